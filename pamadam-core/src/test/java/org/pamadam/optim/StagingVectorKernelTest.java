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
 * {@link KernelWidthsTest} runs the staging over a real vector kernel against the canonical sums, and
 * {@link NewerJdkTest} checks the real thing where a JDK 19 or later is installed.
 */
class StagingVectorKernelTest {

    @Test
    void aKernelWhoseOffHeapLoopsCannotLinkRunsDirectBuffersThroughItsHeapLoops() {
        Kernel checked = Kernels.checked(new Unlinked(ScalarKernel.SCALAR, false, 0));
        assertInstanceOf(StagingVectorKernel.class, checked);
        assertEquals("scalar", checked.name());
        // Off-heap calls reach only the stand-in's heap methods (its off-heap ones would throw).
        Unlinked inner = new Unlinked(ScalarKernel.SCALAR, false, 0);
        Kernel k = new StagingVectorKernel(inner);
        SplittableRandom rnd = new SplittableRandom(3);
        // Three blocks and a tail, from an offset: the blocks start at the range's start.
        int n = 2 * Kernel.BLOCK + 700 + 5;
        int from = 3;
        float[] p = TestData.gaussian(rnd, from + n, 1);
        float[] g = TestData.gaussian(rnd, from + n, 0.1);
        float[] m = TestData.gaussian(rnd, from + n, 0.01);
        float[] v = new float[from + n];
        for (int i = 0; i < v.length; i++) {
            v[i] = Math.abs(m[i]) * 0.1f;
        }
        ByteBuffer pb = TestData.direct(p, 0);
        ByteBuffer gb = TestData.direct(g, 0).asReadOnlyBuffer().order(java.nio.ByteOrder.nativeOrder());
        ByteBuffer mb = TestData.direct(m, 0);
        ByteBuffer vb = TestData.direct(v, 0);
        Coefficients c = new Coefficients().prepare(Rule.pamAdam().build(), 1);
        double[] heapSums = new double[2];
        double[] directSums = new double[2];
        ScalarKernel.SCALAR.measure(c, p, g, m, v, from, from + n, heapSums, 0);
        k.measure(c, pb, gb, mb, vb, from, from + n, directSums, 0);
        assertArrayEquals(heapSums, directSums);
        assertEquals(ScalarKernel.SCALAR.sumOfSquares(g, from, from + n), k.sumOfSquares(gb, from, from + n));
        ScalarKernel.SCALAR.apply(c, p, g, m, v, from, from + n);
        k.apply(c, pb, gb, mb, vb, from, from + n);
        for (int i = 0; i < from + n; i++) {
            assertEquals(Float.floatToRawIntBits(p[i]), Float.floatToRawIntBits(pb.getFloat(4 * i)), "p[" + i + "]");
            assertEquals(Float.floatToRawIntBits(m[i]), Float.floatToRawIntBits(mb.getFloat(4 * i)), "m[" + i + "]");
            assertEquals(Float.floatToRawIntBits(v[i]), Float.floatToRawIntBits(vb.getFloat(4 * i)), "v[" + i + "]");
        }
        assertEquals(3 + 3 + 3, inner.heapCalls, "block calls that reached the vector kernel's heap loops");
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
            assertEquals(false, Kernels.named("vector-" + bits) instanceof StagingVectorKernel);
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
