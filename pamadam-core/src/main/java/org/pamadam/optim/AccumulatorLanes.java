package org.pamadam.optim;

/**
 * Per-thread scratch lanes for the accumulators of the off-heap measuring loops of the 128- and
 * 256-bit vector kernels. Kept in vector registers there, those accumulators (or the loop's other
 * vectors) were boxed on the heap by C2 on JDK 17 in some AVX2 JVMs, for the JVM's life; added into
 * an array, each vector is made and used within one iteration
 * ({@code docs/benchmarks/kernel-views/boxing/one-vector/}). Each thread gets its array once; a
 * kernel call zeroes the lanes it uses at the start of each block.
 */
final class AccumulatorLanes {
    /** 16 lanes for each of up to four accumulators (the generator checks the count). */
    static final int FLOATS = 64;

    private static final ThreadLocal<float[]> LANES = ThreadLocal.withInitial(() -> new float[FLOATS]);

    private AccumulatorLanes() {
    }

    /** This thread's scratch lanes. */
    static float[] get() {
        return LANES.get();
    }
}
