package org.pamadam.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.pamadam.TestData;
import org.pamadam.rule.Rule;

/**
 * {@link Param}'s contract on both kinds of memory: names, element access, rebinding, the kind of a
 * gradient, its description; and moments kept in caller-owned direct memory, which a loaded state
 * fills.
 */
class ParamTest {

    private static String refusal(Runnable r) {
        return assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }

    @Test
    void aNameIsRequiredOnBothKinds() {
        assertEquals("parameter name must not be empty", refusal(() -> Param.of("", new float[1])));
        assertEquals("parameter name must not be empty", refusal(() -> Param.of(null, new float[1])));
        assertEquals("parameter name must not be empty",
                refusal(() -> Param.ofBuffer("", new int[] {1}, TestData.direct(new float[1], 0), 0)));
    }

    @Test
    void getReadsEitherKindOfMemory() {
        Param heap = Param.of("h", new float[] {1.5f, -2.5f});
        Param direct = Param.ofBuffer("d", new int[] {2}, TestData.direct(new float[] {0, 0.25f, -7}, 0), 1);
        assertEquals(-2.5f, heap.get(1));
        assertEquals(0.25f, direct.get(0));
        assertEquals(-7f, direct.get(1));
    }

    @Test
    void toStringNamesShapeAndKind() {
        assertEquals("w[2, 3]", Param.of("w", new int[] {2, 3}, new float[6]).toString());
        assertEquals("b[4] (direct)", Param.ofBuffer("b", new int[] {4}, TestData.direct(new float[4], 0), 0).toString());
        assertEquals("s[]", Param.of("s", new int[0], new float[1]).toString());
    }

    @Test
    void aShapeOfExactlyTheLargestCountIsAccepted() {
        // Integer.MAX_VALUE - 8 elements is the limit; one more is refused (no array is made for either)
        int max = Integer.MAX_VALUE - 8;
        assertEquals("parameter 'x': shape [" + (max + 1) + "] holds more than " + max + " elements",
                refusal(() -> Param.ofBuffer("x", new int[] {max + 1}, ByteBuffer.allocateDirect(4), 0)));
        String exact = refusal(() -> Param.ofBuffer("x", new int[] {max}, ByteBuffer.allocateDirect(4), 0));
        assertFalse(exact.contains("holds more than"), exact);
    }

    @Test
    void rebindKeepsTheKindAndTheLength() {
        Param heap = Param.of("h", new float[] {1, 2});
        float[] next = {3, 4};
        heap.rebind(next);
        assertSame(next, heap.data());
        assertEquals("parameter 'h': rebind to 3 elements, expected 2 (shape [2])", refusal(() -> heap.rebind(new float[3])));
        assertEquals("parameter 'h': rebind to null, expected 2 (shape [2])", refusal(() -> heap.rebind((float[]) null)));
        Param direct = Param.ofBuffer("d", new int[] {2}, TestData.direct(new float[2], 0), 0);
        assertTrue(refusal(() -> direct.rebind(new float[2])).startsWith("parameter 'd' is off-heap (a direct buffer)"));
    }

    @Test
    void aGradientHasTheParametersKindOfMemory() {
        Param heap = Param.of("h", new float[] {1, 2});
        Param direct = Param.ofBuffer("d", new int[] {2}, TestData.direct(new float[2], 0), 0);
        assertTrue(refusal(() -> heap.setGrad(TestData.direct(new float[2], 0), 0))
                .startsWith("parameter 'h' is on the heap: its gradient must be a float[] too"));
        ByteBuffer g = TestData.direct(new float[] {9, 0.5f, 0.25f}, 0);
        direct.setGrad(g, 1);
        assertEquals(0.5f, direct.gradAt(0));
        assertEquals(0.25f, direct.gradAt(1));
        // the same buffer and offset again: still the same gradient; another offset: the new one
        direct.setGrad(g, 1);
        assertEquals(0.25f, direct.gradAt(1));
        direct.setGrad(g, 0);
        assertEquals(9f, direct.gradAt(0));
        assertEquals(0.5f, direct.gradAt(1));
    }

    /** Moments in caller-owned direct memory: a loaded state is written into them, m and v. */
    @Test
    void aLoadedStateFillsExternalMoments() {
        float[] values = {1, -2, 3};
        ByteBuffer m = TestData.direct(new float[4], 0);
        ByteBuffer v = TestData.direct(new float[4], 0);
        Param p = Param.ofBuffer("w", new int[] {3}, TestData.direct(values, 0), 0);
        OptimizerState saved;
        Param twin = Param.of("w", values.clone());
        try (Optimizer source = Optimizer.builder().group(Rule.adam().build(), List.of(twin)).build()) {
            twin.setGrad(new float[] {0.5f, -1, 2});
            source.step();
            saved = source.state();
        }
        OptimizerState.Tensor t = saved.groups().get(0).tensors().get(0);
        try (Optimizer opt = Optimizer.builder().group(Rule.adam().build(), List.of(p)).moments(p, m, 1, v, 1).build()) {
            opt.load(saved);
            assertArrayEquals(t.m(), TestData.floats(m, 1, 3));
            assertArrayEquals(t.v(), TestData.floats(v, 1, 3));
            assertEquals(0f, m.getFloat(0), "outside the region");
        }
        assertTrue(refusal(() -> Optimizer.builder().moments(Param.of("h", new float[1]), m, 0, v, 0))
                .startsWith("moments(...): parameter 'h' must be a direct (off-heap) Param"));
        assertTrue(refusal(() -> Optimizer.builder().moments(null, m, 0, v, 0))
                .startsWith("moments(...): parameter 'null' must be a direct"));
    }
}
