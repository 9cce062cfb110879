package org.pamadam.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.pamadam.TestData;
import org.pamadam.rule.Rule;

/** Parameters over direct buffers: checked on the way in, stepped in place, refused all or nothing. */
class DirectMemoryTest {
    private static final Rule RULE = Rule.pamAdam().lr(0.01).weightDecay(0.01).build();

    @Test
    void badRegionsAreRefusedNamingTheTensorAndWhatWasExpected() {
        ByteBuffer b = ByteBuffer.allocateDirect(40);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Param.ofBuffer("w", new int[] {3, 3}, b, 2));
        assertEquals("parameter 'w': floats 2 to 11 do not fit a buffer of 40 bytes (10 floats)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Param.ofBuffer("w", new int[] {2}, ByteBuffer.allocate(8), 0));
        assertTrue(e.getMessage().startsWith("parameter 'w': the buffer must be direct"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Param.ofBuffer("w", new int[] {2}, b.asReadOnlyBuffer(), 0));
        assertTrue(e.getMessage().contains("read-only"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Param.ofBuffer("w", new int[] {2}, b, -1));
        assertTrue(e.getMessage().contains("floats -1 to 1"), e.getMessage());
        Param direct = Param.ofBuffer("w", new int[] {2}, b, 0);
        e = assertThrows(IllegalArgumentException.class, () -> direct.setGrad(new float[2]));
        assertTrue(e.getMessage().contains("'w' is off-heap: its gradient must be a direct buffer too"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> direct.setGrad(ByteBuffer.allocateDirect(4), 0));
        assertTrue(e.getMessage().startsWith("gradient for 'w': floats 0 to 2 do not fit"), e.getMessage());
        Param heap = Param.of("h", new float[2]);
        e = assertThrows(IllegalArgumentException.class, () -> heap.setGrad(b, 0));
        assertTrue(e.getMessage().contains("'h' is on the heap"), e.getMessage());
        assertThrows(IllegalStateException.class, direct::data);
        assertThrows(IllegalStateException.class, heap::buffer);
    }

    @Test
    void offHeapMomentsStartOnACacheLineAndHoldExactlyTheTensor() {
        int[] sizes = {1, 7, 33, 40_000};
        List<Param> ps = new java.util.ArrayList<>();
        for (int i = 0; i < sizes.length; i++) {
            ps.add(Param.ofBuffer("t" + i, new int[] {sizes[i]}, ByteBuffer.allocateDirect(4 * sizes[i]), 0));
        }
        try (Optimizer opt = Optimizer.builder().group(RULE, ps).build()) {
            MomentStore moments = opt.momentStore();
            for (int i = 0; i < sizes.length; i++) {
                for (ByteBuffer b : new ByteBuffer[] {moments.mDirect(i), moments.vDirect(i)}) {
                    assertEquals(0, b.alignmentOffset(0, 64), "t" + i + ": moment address mod 64");
                    assertEquals(4 * sizes[i], b.capacity(), "t" + i + ": moment bytes");
                    assertEquals(java.nio.ByteOrder.nativeOrder(), b.order(), "t" + i + ": byte order");
                }
            }
        }
    }

    @Test
    void twoParamsOverOneRegionAreRefusedAsTiedWeights() {
        ByteBuffer b = ByteBuffer.allocateDirect(4 * 10);
        Param a = Param.ofBuffer("a", new int[] {6}, b, 0);
        Param c = Param.ofBuffer("c", new int[] {6}, b, 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Optimizer.builder().group(RULE, List.of(a, c)).build());
        assertTrue(e.getMessage().contains("'a' and 'c' share memory"), e.getMessage());
        Param d = Param.ofBuffer("d", new int[] {4}, b, 6);
        Optimizer.builder().group(RULE, List.of(a, d)).build().close();
    }

    @Test
    void aNanInTheLastTensorLeavesEveryDirectWeightAndMomentUnchanged() {
        SplittableRandom rnd = new SplittableRandom(3);
        int[] sizes = {40_000, 37, 70_001};
        ByteBuffer values = TestData.direct(TestData.gaussian(rnd, 110_038, 0.3), 0);
        ByteBuffer grads = TestData.direct(TestData.gaussian(rnd, 110_038, 0.01), 0);
        Param[] ps = new Param[3];
        int offset = 0;
        for (int i = 0; i < 3; i++) {
            ps[i] = Param.ofBuffer("t" + i, new int[] {sizes[i]}, values, offset);
            ps[i].setGrad(grads, offset);
            offset += sizes[i];
        }
        try (Optimizer opt = Optimizer.builder().group(RULE, List.of(ps)).threads(2).build()) {
            opt.step();
            OptimizerState before = opt.state();
            float[] weightsBefore = TestData.floats(values, 0, 110_038);
            grads.putFloat(4 * (110_038 - 5), Float.NaN);
            NonFiniteGradientException e = assertThrows(NonFiniteGradientException.class, opt::step);
            assertTrue(e.getMessage().contains("'t2'") && e.getMessage().contains("grad[69996] = NaN"), e.getMessage());
            assertArrayEquals(weightsBefore, TestData.floats(values, 0, 110_038));
            OptimizerState after = opt.state();
            for (int i = 0; i < 3; i++) {
                OptimizerState.Tensor t0 = before.groups().get(0).tensors().get(i);
                OptimizerState.Tensor t1 = after.groups().get(0).tensors().get(i);
                assertArrayEquals(t0.m(), t1.m());
                assertArrayEquals(t0.v(), t1.v());
                assertEquals(t0.step(), t1.step());
            }
            assertEquals(1, opt.stepCount());
        }
    }

    @Test
    void rebindKeepsTheStateAndCloseFreesAndRefusesFurtherSteps() {
        float[] init = {0.5f, -0.25f, 1f, 2f, -3f};
        float[] grad = {0.1f, 0.2f, -0.3f, 0.05f, 0.01f};
        Param heap = Param.of("w", init.clone());
        Param direct = Param.ofBuffer("w", new int[] {5}, TestData.direct(init, 0), 0);
        try (Optimizer h = Optimizer.builder().group(RULE, List.of(heap)).build();
             Optimizer d = Optimizer.builder().group(RULE, List.of(direct)).build()) {
            for (int s = 0; s < 3; s++) {
                heap.setGrad(grad);
                h.step();
                ByteBuffer g = TestData.direct(grad, 2);
                direct.setGrad(g, 2);
                if (s == 1) {
                    // The framework reallocated the tensor: same values, new memory.
                    direct.rebind(TestData.direct(TestData.floats(direct.buffer(), 0, 5), 1), 1);
                }
                d.step();
                assertArrayEquals(heap.data(), TestData.floats(direct.buffer(), 0, 5), "step " + s);
            }
            assertEquals(3, d.stepCount("w"));
            d.close();
            assertThrows(IllegalStateException.class, d::step);
            assertThrows(IllegalStateException.class, d::state);
            d.close();
        }
    }

    @Test
    void externalMomentsAreReadAndWrittenInPlaceAndNotFreed() {
        float[] init = {0.5f, -0.25f, 1f};
        float[] grad = {0.1f, 0.2f, -0.3f};
        ByteBuffer state = ByteBuffer.allocateDirect(4 * 8);
        Param p = Param.ofBuffer("w", new int[] {3}, TestData.direct(init, 0), 0);
        Param q = Param.of("w", init.clone());
        try (Optimizer ext = Optimizer.builder().group(RULE, List.of(p)).moments(p, state, 1, state, 4).build();
             Optimizer own = Optimizer.builder().group(RULE, List.of(q)).build()) {
            for (int s = 0; s < 2; s++) {
                p.setGrad(TestData.direct(grad, 0), 0);
                q.setGrad(grad);
                ext.step();
                own.step();
            }
            OptimizerState want = own.state();
            assertArrayEquals(want.groups().get(0).tensors().get(0).m(), TestData.floats(state, 1, 3));
            assertArrayEquals(want.groups().get(0).tensors().get(0).v(), TestData.floats(state, 4, 3));
            ext.close();
            assertArrayEquals(want.groups().get(0).tensors().get(0).m(), TestData.floats(state, 1, 3));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Optimizer.builder().group(RULE, List.of(p)).moments(p, state, 1, null, 0).build());
        assertTrue(e.getMessage().contains("keeps m and v, but only m was given"), e.getMessage());
    }

    @Test
    void tensorStepAndStepTensorGiveTheOptimizersBits() {
        SplittableRandom rnd = new SplittableRandom(9);
        float[] init = TestData.gaussian(rnd, 70_003, 0.2);
        float[] grad = TestData.gaussian(rnd, 70_003, 0.01);
        Param a = Param.of("w", init.clone());
        Param b = Param.ofBuffer("w", new int[] {init.length}, TestData.direct(init, 0), 0);
        Param c = Param.of("w", init.clone());
        float[] m = new float[init.length];
        float[] v = new float[init.length];
        ByteBuffer mb = TestData.direct(new float[init.length], 0);
        ByteBuffer vb = TestData.direct(new float[init.length], 0);
        TensorStep single = new TensorStep("scalar");
        try (Optimizer opt = Optimizer.builder().group(RULE, List.of(a)).build();
             Optimizer perTensor = Optimizer.builder().group(RULE, List.of(c)).build()) {
            for (int t = 1; t <= 3; t++) {
                a.setGrad(grad);
                opt.step();
                c.setGrad(grad);
                perTensor.stepTensor(c);
                b.setGrad(TestData.direct(grad, 0), 0);
                double ratio = single.step(RULE, t, b, mb, vb, 1f);
                assertEquals(opt.lastRatio("w"), ratio);
            }
            assertArrayEquals(a.data(), TestData.floats(b.buffer(), 0, init.length));
            assertArrayEquals(a.data(), c.data());
            assertArrayEquals(opt.state().groups().get(0).tensors().get(0).m(), TestData.floats(mb, 0, init.length));
            assertEquals(0, perTensor.stepCount(), "stepTensor is not an optimizer step");
            assertEquals(3, perTensor.stepCount("w"));
        }
        Param heap = Param.of("h", new float[] {1, 2});
        heap.setGrad(new float[] {Float.POSITIVE_INFINITY, 0});
        float[] hm = {0.5f, 0.5f};
        NonFiniteGradientException e = assertThrows(NonFiniteGradientException.class,
                () -> single.step(RULE, 1, heap, hm, new float[2], 1f));
        assertTrue(e.getMessage().contains("grad[0] = Infinity"), e.getMessage());
        assertArrayEquals(new float[] {1, 2}, heap.data());
        assertArrayEquals(new float[] {0.5f, 0.5f}, hm);
    }
}
