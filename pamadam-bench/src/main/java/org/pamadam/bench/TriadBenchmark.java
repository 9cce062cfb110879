package org.pamadam.bench;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The machine's memory bandwidth, measured in the same run as the optimizer steps: a STREAM-style
 * triad {@code a = b + s*c} over three float arrays of 32M elements (384 MB in all, far beyond any
 * L3). One op moves 12 bytes per element (two reads, one write): GB/s = 0.384 / (seconds per op).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class TriadBenchmark {
    public static final int N = 1 << 25;

    @Param({"1", "2"})
    public int threads;

    private float[] a;
    private float[] b;
    private float[] c;
    private ForkJoinPool pool;

    @Setup(Level.Trial)
    public void setUp() {
        a = new float[N];
        b = new float[N];
        c = new float[N];
        java.util.Arrays.fill(b, 1f);
        java.util.Arrays.fill(c, 2f);
        pool = new ForkJoinPool(threads);
    }

    @Benchmark
    public float triad() throws Exception {
        int parts = threads;
        pool.submit(() -> IntStream.range(0, parts).parallel().forEach(t -> {
            int from = (int) ((long) N * t / parts);
            int to = (int) ((long) N * (t + 1) / parts);
            for (int i = from; i < to; i++) {
                a[i] = b[i] + 3f * c[i];
            }
        })).get();
        return a[N - 1];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.shutdown();
    }
}
