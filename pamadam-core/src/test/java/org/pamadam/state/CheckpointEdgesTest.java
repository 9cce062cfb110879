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

    /** The payload of a one-tensor state ("w", shape [2], m {1, 2}, v {3, 4}) and where its tensor record starts. */
    private static byte[] oneTensorPayload() {
        OptimizerState.Tensor w = new OptimizerState.Tensor("w", new int[] {2}, 3, 0.5, new float[] {1, 2},
                new float[] {3, 4}, 0);
        byte[] file = Checkpoint.encode(new OptimizerState(
                List.of(new OptimizerState.Group(Rule.adam().build(), List.of(w))), 0, 1.0, 3));
        return Arrays.copyOfRange(file, HEADER, file.length - 4);
    }

    /** The offset just after the tensor's name (u32 length 1, 'w'): where its rank is. */
    private static int rankOffset(byte[] payload) {
        byte[] name = concat(ints(1), new byte[] {'w'});
        for (int i = 0; i + name.length <= payload.length; i++) {
            if (Arrays.equals(Arrays.copyOfRange(payload, i, i + name.length), name)) {
                return i + name.length;
            }
        }
        throw new AssertionError("no tensor name in the payload");
    }

    @Test
    void aRankOrArrayLongerThanTheBytesLeftIsRefusedAsImplausibleNotAsAnEnd() {
        byte[] payload = oneTensorPayload();
        int rank = rankOffset(payload);
        // rank 4 with 8 bytes left: its dimensions would need 16
        assertEquals("f: malformed payload in tensor 'w' (group 1, tensor 1): implausible rank 4 (8 bytes left)",
                refusal(seal(3, concat(Arrays.copyOf(payload, rank), concat(ints(4), new byte[8])))));
        // rank 1, dimension 2, step, ratio, clamped (32 bytes), then m of 4 floats with 8 bytes left
        int mLength = rank + 4 + 4 + 8 + 8 + 8;
        assertEquals("f: malformed payload in tensor 'w' (group 1, tensor 1): array of 4 floats exceeds the file",
                refusal(seal(3, concat(Arrays.copyOf(payload, mLength), concat(ints(4), new byte[8])))));
    }

    @Test
    void anArrayEndingExactlyAtTheEndIsReadAndWhatFollowsRunsOut() {
        byte[] payload = oneTensorPayload();
        int mLength = rankOffset(payload) + 4 + 4 + 8 + 8 + 8;
        // m (2 floats) is the last thing in the payload: read whole, then v's length runs out
        assertEquals("f: malformed payload in tensor 'w' (group 1, tensor 1): unexpected end",
                refusal(seal(3, Arrays.copyOf(payload, mLength + 4 + 8))));
        // v (2 floats) is the last thing: read whole, then the trailer runs out
        assertEquals("f: malformed payload in trailer (skipped steps, maxGradNorm, optimizer steps): unexpected end",
                refusal(seal(3, Arrays.copyOf(payload, mLength + 4 + 8 + 4 + 8))));
        // and the whole payload is the state itself
        assertEquals(payload.length, mLength + 4 + 8 + 4 + 8 + 8 + 8 + 8);
    }
}
