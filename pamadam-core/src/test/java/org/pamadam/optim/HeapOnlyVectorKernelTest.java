package org.pamadam.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.pamadam.TestData;
import org.pamadam.rule.Rule;

/**
 * On a JDK whose incubator Vector API dropped the JDK 17 {@code ByteBuffer} access (JDK 19 on), the
 * vector kernels' off-heap loops fail to link. The JDK 17 build cannot run there, so these tests stand
 * a kernel in for it: one whose off-heap methods throw {@link NoSuchMethodError} as that JDK does.
 * {@link NewerJdkTest} checks the real thing where a JDK 19 or later is installed.
 */
class HeapOnlyVectorKernelTest {

    @Test
    void aKernelWhoseOffHeapLoopsCannotLinkRunsTheHeapOnlyAndTheScalarLoopsOffHeap() {
        Kernel checked = Kernels.checked(new Unlinked(ScalarKernel.SCALAR, false, 0));
        assertInstanceOf(HeapOnlyVectorKernel.class, checked);
        assertEquals("scalar", checked.name());
        // Off-heap calls reach the scalar kernel (the stand-in would throw), heap calls the stand-in.
        Unlinked inner = new Unlinked(ScalarKernel.SCALAR, false, 0);
        Kernel k = new HeapOnlyVectorKernel(inner);
        SplittableRandom rnd = new SplittableRandom(3);
        int n = 100;
        float[] p = TestData.gaussian(rnd, n, 1);
        float[] g = TestData.gaussian(rnd, n, 0.1);
        float[] m = TestData.gaussian(rnd, n, 0.01);
        float[] v = new float[n];
        ByteBuffer pb = TestData.direct(p, 0);
        ByteBuffer gb = TestData.direct(g, 0);
        ByteBuffer mb = TestData.direct(m, 0);
        ByteBuffer vb = TestData.direct(v, 0);
        Coefficients c = new Coefficients().prepare(Rule.pamAdam().build(), 1);
        double[] heapSums = new double[2];
        double[] directSums = new double[2];
        k.measure(c, p, g, m, v, 0, n, heapSums, 0);
        k.measure(c, pb, gb, mb, vb, 0, n, directSums, 0);
        assertArrayEquals(heapSums, directSums);
        assertEquals(k.sumOfSquares(g, 0, n), k.sumOfSquares(gb, 0, n));
        k.apply(c, p, g, m, v, 0, n);
        k.apply(c, pb, gb, mb, vb, 0, n);
        for (int i = 0; i < n; i++) {
            assertEquals(Float.floatToRawIntBits(p[i]), Float.floatToRawIntBits(pb.getFloat(4 * i)), "p[" + i + "]");
        }
        assertEquals(3, inner.heapCalls, "heap calls that reached the vector kernel");
    }

    @Test
    void aKernelThatRunsBothMemoryKindsIsKeptAndOneThatDisagreesIsRefused() {
        Kernel whole = new Unlinked(ScalarKernel.SCALAR, true, 0);
        assertSame(whole, Kernels.checked(whole));
        // A kernel whose heap sum of squares is off: refused.
        assertNull(Kernels.checked(new Unlinked(ScalarKernel.SCALAR, true, 1)));
        for (int bits = 128; bits <= Kernels.widestBits(); bits *= 2) {
            // On this JDK every vector kernel runs both memory kinds itself.
            assertEquals("vector-" + bits, Kernels.named("vector-" + bits).name());
            assertEquals(false, Kernels.named("vector-" + bits) instanceof HeapOnlyVectorKernel);
        }
    }

    /**
     * Delegates to a kernel; off-heap calls throw {@link NoSuchMethodError} unless {@code linked}, and
     * the heap sum of squares is off by {@code heapError}.
     */
    private static final class Unlinked implements Kernel {
        final Kernel inner;
        final boolean linked;
        final double heapError;
        int heapCalls;

        Unlinked(Kernel inner, boolean linked, double heapError) {
            this.inner = inner;
            this.linked = linked;
            this.heapError = heapError;
        }

        private void offHeap() {
            if (!linked) {
                throw new NoSuchMethodError("'jdk.incubator.vector.FloatVector jdk.incubator.vector.FloatVector"
                        + ".fromByteBuffer(...)' (standing in for JDK 19 and later)");
            }
        }

        @Override
        public String name() {
            return inner.name();
        }

        @Override
        public void measure(Coefficients c, float[] p, float[] g, float[] m, float[] v, int from, int to,
                            double[] sums, int slot) {
            heapCalls++;
            inner.measure(c, p, g, m, v, from, to, sums, slot);
        }

        @Override
        public void measure(Coefficients c, ByteBuffer p, ByteBuffer g, ByteBuffer m, ByteBuffer v, int from, int to,
                            double[] sums, int slot) {
            offHeap();
            inner.measure(c, p, g, m, v, from, to, sums, slot);
        }

        @Override
        public double sumOfSquares(float[] g, int from, int to) {
            heapCalls++;
            return inner.sumOfSquares(g, from, to) + heapError;
        }

        @Override
        public double sumOfSquares(ByteBuffer g, int from, int to) {
            offHeap();
            return inner.sumOfSquares(g, from, to);
        }

        @Override
        public void apply(Coefficients c, float[] p, float[] g, float[] m, float[] v, int from, int to) {
            heapCalls++;
            inner.apply(c, p, g, m, v, from, to);
        }

        @Override
        public void apply(Coefficients c, ByteBuffer p, ByteBuffer g, ByteBuffer m, ByteBuffer v, int from, int to) {
            offHeap();
            inner.apply(c, p, g, m, v, from, to);
        }
    }
}
