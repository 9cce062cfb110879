package org.pamadam.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.pamadam.TestData;
import org.pamadam.rule.Rule;

/**
 * {@link TensorStep}, the one-tensor step adapters call: on either kind of memory it takes the
 * optimizer's step (same bits for p, m and v, and the same trust ratio returned), and it refuses
 * each malformed call by name before writing anything.
 */
class TensorStepTest {

    private static String refusal(Runnable r) {
        return assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }

    @Test
    void oneStepEqualsTheOptimizersOnBothKindsOfMemory() {
        SplittableRandom rnd = new SplittableRandom(3);
        int n = 75;
        float[] p0 = TestData.gaussian(rnd, n, 1);
        float[] g = TestData.gaussian(rnd, n, 0.1);
        Rule rule = Rule.pamAdam().lr(0.01).build();
        Param want = Param.of("w", p0.clone());
        double wantRatio;
        OptimizerState.Tensor wantState;
        try (Optimizer opt = Optimizer.builder().kernel("scalar").group(rule, List.of(want)).build()) {
            want.setGrad(g);
            opt.step();
            wantRatio = opt.lastRatio("w");
            wantState = opt.state().groups().get(0).tensors().get(0);
        }
        TensorStep step = new TensorStep("scalar");

        Param heap = Param.of("w", p0.clone());
        heap.setGrad(g);
        float[] m = new float[n];
        float[] v = new float[n];
        assertEquals(wantRatio, step.step(rule, 1, heap, m, v, 1f));
        assertArrayEquals(want.data(), heap.data());
        assertArrayEquals(wantState.m(), m);
        assertArrayEquals(wantState.v(), v);

        ByteBuffer pb = TestData.direct(p0, 0);
        Param direct = Param.ofBuffer("w", new int[] {n}, pb, 0);
        direct.setGrad(TestData.direct(g, 0), 0);
        // moments of exactly the tensor's bytes are enough
        ByteBuffer mb = ByteBuffer.allocateDirect(4 * n).order(java.nio.ByteOrder.nativeOrder());
        ByteBuffer vb = ByteBuffer.allocateDirect(4 * n).order(java.nio.ByteOrder.nativeOrder());
        assertEquals(wantRatio, step.step(rule, 1, direct, mb, vb, 1f));
        assertArrayEquals(want.data(), TestData.floats(pb, 0, n));
        assertArrayEquals(wantState.m(), TestData.floats(mb, 0, n));
        assertArrayEquals(wantState.v(), TestData.floats(vb, 0, n));
    }

    @Test
    void malformedCallsAreRefusedByName() {
        TensorStep step = new TensorStep("scalar");
        Rule rule = Rule.adam().build();
        Param heap = Param.of("h", new float[] {1, 2});
        Param direct = Param.ofBuffer("d", new int[] {2}, TestData.direct(new float[2], 0), 0);
        ByteBuffer eight = ByteBuffer.allocateDirect(8);
        // no gradient yet
        assertEquals("tensor 'h' has no gradient to step with",
                refusal(() -> step.step(rule, 1, heap, new float[2], new float[2], 1f)));
        assertEquals("tensor 'd' has no gradient to step with", refusal(() -> step.step(rule, 1, direct, eight, eight, 1f)));
        heap.setGrad(new float[] {0.5f, 0.5f});
        direct.setGrad(TestData.direct(new float[] {0.5f, 0.5f}, 0), 0);
        for (long t : new long[] {0, -1}) {
            assertEquals("tensor 'h': step count " + t + ", expected >= 1",
                    refusal(() -> step.step(rule, t, heap, new float[2], new float[2], 1f)));
            assertEquals("tensor 'd': step count " + t + ", expected >= 1",
                    refusal(() -> step.step(rule, t, direct, eight, eight, 1f)));
        }
        assertEquals("rule and parameter must not be null", refusal(() -> step.step(null, 1, heap, new float[2], null, 1f)));
        assertEquals("rule and parameter must not be null", refusal(() -> step.step(null, 1, direct, eight, null, 1f)));
        // the moments' kind and size
        assertEquals("tensor 'd' is off-heap: its moments must be on the same kind of memory",
                refusal(() -> step.step(rule, 1, direct, new float[2], new float[2], 1f)));
        assertEquals("tensor 'h' is on the heap: its moments must be on the same kind of memory",
                refusal(() -> step.step(rule, 1, heap, eight, eight, 1f)));
        assertEquals("tensor 'h': moments of null for a tensor of 2 values",
                refusal(() -> step.step(rule, 1, heap, null, new float[2], 1f)));
        assertEquals("tensor 'h': moments of 3 values for a tensor of 2 values",
                refusal(() -> step.step(rule, 1, heap, new float[3], new float[2], 1f)));
        assertEquals("tensor 'h': moments of 2 values for a tensor of 2 values",
                refusal(() -> step.step(rule, 1, heap, new float[2], new float[1], 1f)));
        String small = "tensor 'd': its moments must be direct buffers of at least 8 bytes";
        ByteBuffer seven = ByteBuffer.allocateDirect(7);
        assertEquals(small, refusal(() -> step.step(rule, 1, direct, seven, eight, 1f)));
        assertEquals(small, refusal(() -> step.step(rule, 1, direct, eight, seven, 1f)));
        assertEquals(small, refusal(() -> step.step(rule, 1, direct, null, eight, 1f)));
        assertEquals(small, refusal(() -> step.step(rule, 1, direct, ByteBuffer.allocate(8), eight, 1f)));
        assertEquals(small, refusal(() -> step.step(rule, 1, direct, eight, ByteBuffer.allocate(8), 1f)));
        // nothing was written by any refusal
        assertArrayEquals(new float[] {1, 2}, heap.data());
    }
}
