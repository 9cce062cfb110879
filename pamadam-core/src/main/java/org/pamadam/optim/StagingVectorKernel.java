package org.pamadam.optim;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * A vector kernel on a JDK whose {@code jdk.incubator.vector} no longer has the JDK 17
 * {@code ByteBuffer} access (it was replaced by {@code MemorySegment} access in JDK 19), where the
 * vector kernels' own off-heap loops cannot link. Parameters in {@code float[]} run the vector
 * kernel's heap loops. Parameters in direct buffers are copied block by block into per-thread heap
 * arrays, which the heap loops then run; {@code apply} copies the new values and moments back. The
 * blocks are {@link Kernel#BLOCK} elements from the range's start, the blocks of the canonical order,
 * and each block's sums are added in block order, then the tail's element by element, as every
 * kernel does. So the sums and values have the same bits as the other kernels'. It keeps the vector
 * kernel's name; {@link Kernels#describe()} says that direct buffers are staged.
 */
final class StagingVectorKernel implements Kernel {
    private static final ThreadLocal<Blocks> BLOCKS = ThreadLocal.withInitial(Blocks::new);

    private final Kernel vector;

    StagingVectorKernel(Kernel vector) {
        this.vector = vector;
    }

    /** A thread's heap copies of one block of p, g, m and v. */
    private static final class Blocks {
        final float[] p = new float[BLOCK];
        final float[] g = new float[BLOCK];
        final float[] m = new float[BLOCK];
        final float[] v = new float[BLOCK];

        /** Elements {@code [start, start + n)} of the four buffers (those not null) into the arrays. */
        void load(FloatBuffer pf, FloatBuffer gf, FloatBuffer mf, FloatBuffer vf, int start, int n) {
            copyIn(pf, start, p, n);
            copyIn(gf, start, g, n);
            copyIn(mf, start, m, n);
            copyIn(vf, start, v, n);
        }
    }

    @Override
    public String name() {
        return vector.name();
    }

    @Override
    public void measure(Coefficients c, float[] p, float[] g, float[] m, float[] v, int from, int to, double[] sums,
                        int slot) {
        vector.measure(c, p, g, m, v, from, to, sums, slot);
    }

    @Override
    public void measure(Coefficients c, ByteBuffer p, ByteBuffer g, ByteBuffer m, ByteBuffer v, int from, int to,
                        double[] sums, int slot) {
        int end = from + ((to - from) & -LANES);
        Blocks b = BLOCKS.get();
        FloatBuffer pf = view(p);
        FloatBuffer gf = view(g);
        FloatBuffer mf = view(m);
        FloatBuffer vf = view(v);
        double paramSum = 0;
        double stepSum = 0;
        for (int start = from; start < end; start += BLOCK) {
            int n = Math.min(BLOCK, end - start);
            b.load(pf, gf, mf, vf, start, n);
            // A whole block (n is a multiple of 16): the kernel's sums are this block's fold alone.
            vector.measure(c, b.p, b.g, m == null ? null : b.m, v == null ? null : b.v, 0, n, sums, slot);
            paramSum += sums[slot];
            stepSum += sums[slot + 1];
        }
        sums[slot] = paramSum;
        sums[slot + 1] = stepSum;
        ScalarKernel.measureTail(c, p, g, m, v, end, to, sums, slot);
    }

    @Override
    public double sumOfSquares(float[] g, int from, int to) {
        return vector.sumOfSquares(g, from, to);
    }

    @Override
    public double sumOfSquares(ByteBuffer g, int from, int to) {
        int end = from + ((to - from) & -LANES);
        float[] block = BLOCKS.get().g;
        FloatBuffer gf = view(g);
        double sum = 0;
        for (int start = from; start < end; start += BLOCK) {
            int n = Math.min(BLOCK, end - start);
            copyIn(gf, start, block, n);
            sum += vector.sumOfSquares(block, 0, n);
        }
        return ScalarKernel.sumOfSquaresTail(g, end, to, sum);
    }

    @Override
    public void apply(Coefficients c, float[] p, float[] g, float[] m, float[] v, int from, int to) {
        vector.apply(c, p, g, m, v, from, to);
    }

    @Override
    public void apply(Coefficients c, ByteBuffer p, ByteBuffer g, ByteBuffer m, ByteBuffer v, int from, int to) {
        Blocks b = BLOCKS.get();
        FloatBuffer pf = view(p);
        FloatBuffer gf = view(g);
        FloatBuffer mf = view(m);
        FloatBuffer vf = view(v);
        // Element by element the same on every kernel, so the tail can be staged with its block.
        for (int start = from; start < to; start += BLOCK) {
            int n = Math.min(BLOCK, to - start);
            b.load(pf, gf, mf, vf, start, n);
            vector.apply(c, b.p, b.g, m == null ? null : b.m, v == null ? null : b.v, 0, n);
            copyOut(b.p, pf, start, n);
            copyOut(b.m, mf, start, n);
            copyOut(b.v, vf, start, n);
        }
    }

    /** Elements {@code [start, start + n)} of {@code src} into {@code dst[0, n)}; nothing for a null buffer. */
    private static void copyIn(FloatBuffer src, int start, float[] dst, int n) {
        if (src != null) {
            src.get(start, dst, 0, n);
        }
    }

    /** {@code src[0, n)} into elements {@code [start, start + n)} of {@code dst}; nothing for a null buffer. */
    private static void copyOut(float[] src, FloatBuffer dst, int start, int n) {
        if (dst != null) {
            dst.put(start, src, 0, n);
        }
    }

    /**
     * A float view of the whole buffer (index 0 is element 0), in the native order the kernels read;
     * null for null. Made once per call: a few small objects per chunk of {@link Optimizer#CHUNK}.
     */
    private static FloatBuffer view(ByteBuffer b) {
        return b == null ? null : b.duplicate().clear().order(ByteOrder.nativeOrder()).asFloatBuffer();
    }
}
