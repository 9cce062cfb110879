package org.pamadam.state;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.pamadam.optim.OptimizerState;
import org.pamadam.rule.Rule;

/**
 * The reader at the exact edges of its plausibility checks, on files built here byte by byte from the
 * format (magic, version, payload length, payload, CRC32C; little-endian): which check refuses, and
 * what the refusal says, is part of the contract (it names the part being read).
 */
class CheckpointEdgesTest {

    private static final int HEADER = 16 + 4 + 8;

    /** A file of format {@code version} around {@code payload}, with a correct length and checksum. */
    private static byte[] seal(int version, byte[] payload) {
        ByteBuffer buf = ByteBuffer.allocate(HEADER + payload.length + 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.put(Checkpoint.MAGIC).putInt(version).putLong(payload.length).put(payload);
        CRC32C crc = new CRC32C();
        crc.update(buf.array(), 0, HEADER + payload.length);
        buf.putInt((int) crc.getValue());
        return buf.array();
    }

    private static byte[] ints(int... values) {
        ByteBuffer buf = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : values) {
            buf.putInt(v);
        }
        return buf.array();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static String refusal(byte[] file) {
        return assertThrows(CheckpointException.class, () -> Checkpoint.decode(file, "f")).getMessage();
    }

    @Test
    void theHeaderNeedsThirtyTwoBytesAndAnEmptyPayloadIsAPayloadError() {
        assertEquals("f: truncated in the header (31 bytes, it needs 32)", refusal(new byte[31]));
        // exactly 32 bytes: a whole header and trailer around an empty payload, refused in the payload
        assertEquals("f: malformed payload in group count: unexpected end", refusal(seal(3, new byte[0])));
    }

    @Test
    void aWrongLengthNamesBothLengths() {
        byte[] file = seal(3, new byte[4]);
        ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).putLong(20, 5);
        assertEquals("f: truncated or padded: the header says 5 payload bytes, file has 4", refusal(file));
    }

    @Test
    void countsAndStringsAtTheEdgeOfWhatIsLeft() {
        // group count 3 with 2 bytes left: plausible (<= left + 1), so the first rule's name runs out
        assertEquals("f: malformed payload in group 1 rule: unexpected end",
                refusal(seal(3, concat(ints(3), new byte[2]))));
        assertEquals("f: malformed payload in group count: implausible group count 4",
                refusal(seal(3, concat(ints(4), new byte[2]))));
        // a name of exactly the bytes left is read; the moments that follow run out
        assertEquals("f: malformed payload in group 1 rule: unexpected end",
                refusal(seal(3, concat(ints(1, 2), new byte[] {'a', 'b'}))));
        // an empty name is read too (the rule's own check is not reached: the moments run out)
        assertEquals("f: malformed payload in group 1 rule: unexpected end", refusal(seal(3, ints(1, 0))));
        assertEquals("f: malformed payload in group 1 rule: implausible string length 3 (2 bytes left)",
                refusal(seal(3, concat(ints(1, 3), new byte[] {'a', 'b'}))));
    }

    private static OptimizerState emptyTensorState() {
        OptimizerState.Tensor empty = new OptimizerState.Tensor("", new int[] {0}, 4, 1.0, new float[0], new float[0]);
        OptimizerState.Tensor one = new OptimizerState.Tensor("w", new int[] {1}, 4, 0.5, new float[] {0.25f},
                new float[] {0.125f}, 2);
        return new OptimizerState(List.of(
                new OptimizerState.Group(Rule.pamAdam().lr(0.01).maxRatio(3).build(), List.of(empty, one)),
                new OptimizerState.Group(Rule.adam().build(), List.of())), 1, 2.5, 4);
    }

    @Test
    void emptyNamesDimensionsArraysAndGroupsRoundTrip() throws CheckpointException {
        OptimizerState back = Checkpoint.decode(Checkpoint.encode(emptyTensorState()), "f");
        OptimizerState.Tensor t = back.groups().get(0).tensors().get(0);
        assertEquals("", t.name());
        assertArrayEquals(new int[] {0}, t.shape());
        assertArrayEquals(new float[0], t.m());
        assertNotNull(t.v(), "an empty second moment is not an absent one");
        assertArrayEquals(new float[0], t.v());
        assertEquals(0, back.groups().get(1).tensors().size());
        assertEquals(3.0, back.groups().get(0).rule().maxRatio());
    }

    @Test
    void formatTwoIsFormatThreeWithoutTheStepCount() throws CheckpointException {
        // format 3 appends the optimizer's step count (a long) to format 2's payload
        byte[] v3 = Checkpoint.encode(emptyTensorState());
        byte[] payload2 = Arrays.copyOfRange(v3, HEADER, v3.length - 4 - 8);
        OptimizerState back = Checkpoint.decode(seal(2, payload2), "f");
        assertEquals(3.0, back.groups().get(0).rule().maxRatio());     // format 2 has the clamp
        assertEquals(2.5, back.maxGradNorm());
        assertEquals(2, back.groups().get(0).tensors().get(1).clamped());
        assertArrayEquals(new float[] {0.125f}, back.groups().get(0).tensors().get(1).v());
        assertEquals(4, back.steps());                                  // the largest tensor step
    }
}
