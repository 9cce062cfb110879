package org.pamadam.optim;

import java.nio.ByteBuffer;

/**
 * A vector kernel on a JDK whose {@code jdk.incubator.vector} no longer has the JDK 17
 * {@code ByteBuffer} access (it was replaced by {@code MemorySegment} access in JDK 19): parameters
 * in {@code float[]} run the vector kernel's loops, parameters in direct buffers the scalar kernel's.
 * Every kernel gives the same bits ({@link Kernel}), so splitting by memory kind changes speed only.
 * It keeps the vector kernel's name; {@link Kernels#describe()} says that direct buffers take the
 * scalar loops.
 */
final class HeapOnlyVectorKernel implements Kernel {
    private final Kernel vector;

    HeapOnlyVectorKernel(Kernel vector) {
        this.vector = vector;
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
        ScalarKernel.SCALAR.measure(c, p, g, m, v, from, to, sums, slot);
    }

    @Override
    public double sumOfSquares(float[] g, int from, int to) {
        return vector.sumOfSquares(g, from, to);
    }

    @Override
    public double sumOfSquares(ByteBuffer g, int from, int to) {
        return ScalarKernel.SCALAR.sumOfSquares(g, from, to);
    }

    @Override
    public void apply(Coefficients c, float[] p, float[] g, float[] m, float[] v, int from, int to) {
        vector.apply(c, p, g, m, v, from, to);
    }

    @Override
    public void apply(Coefficients c, ByteBuffer p, ByteBuffer g, ByteBuffer m, ByteBuffer v, int from, int to) {
        ScalarKernel.SCALAR.apply(c, p, g, m, v, from, to);
    }
}
