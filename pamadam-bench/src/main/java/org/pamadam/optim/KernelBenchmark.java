package org.pamadam.optim;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import org.pamadam.rule.Rule;

/**
 * One kernel pass over 4M floats in chunks of {@link Optimizer#CHUNK}, one thread: pass one
 * ({@code measure}), pass two ({@code apply}) and the clipping norm ({@code sumOfSquares}), for each
 * kernel width and memory kind. In package {@code org.pamadam.optim} because the kernels are
 * package-private there; this benchmark jar is not a library.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx2g"})
public class KernelBenchmark {
    private static final int N = 1 << 22;

    @Param({"vector-512"})
    public String kernel;

    @Param({"heap", "direct"})
    public String memory;

    private Kernel k;
    private Coefficients c;
    private final double[] sums = new double[2];
    private float[] p;
    private float[] g;
    private float[] m;
    private float[] v;
    private ByteBuffer pb;
    private ByteBuffer gb;
    private ByteBuffer mb;
    private ByteBuffer vb;

    @Setup(Level.Trial)
    public void setUp() {
        k = Kernels.named(kernel);
        c = new Coefficients().prepare(Rule.pamAdam().build(), 10);
        c.scale = 1e-12f; // p barely moves, so every invocation does the same work
        SplittableRandom rnd = new SplittableRandom(1);
        p = new float[N];
        g = new float[N];
        m = new float[N];
        v = new float[N];
        for (int i = 0; i < N; i++) {
            p[i] = (float) rnd.nextGaussian();
            g[i] = (float) rnd.nextGaussian() * 1e-3f;
            m[i] = g[i] * 0.1f;
            v[i] = g[i] * g[i];
        }
        pb = direct(p);
        gb = direct(g);
        mb = direct(m);
        vb = direct(v);
    }

    private static ByteBuffer direct(float[] a) {
        ByteBuffer b = ByteBuffer.allocateDirect(4 * a.length).order(ByteOrder.nativeOrder());
        b.asFloatBuffer().put(a);
        return b;
    }

    @Benchmark
    public void measure(Blackhole bh) {
        boolean heap = memory.equals("heap");
        for (int from = 0; from < N; from += Optimizer.CHUNK) {
            if (heap) {
                k.measure(c, p, g, m, v, from, from + Optimizer.CHUNK, sums, 0);
            } else {
                k.measure(c, pb, gb, mb, vb, from, from + Optimizer.CHUNK, sums, 0);
            }
            bh.consume(sums[1]);
        }
    }

    @Benchmark
    public void apply() {
        boolean heap = memory.equals("heap");
        for (int from = 0; from < N; from += Optimizer.CHUNK) {
            if (heap) {
                k.apply(c, p, g, m, v, from, from + Optimizer.CHUNK);
            } else {
                k.apply(c, pb, gb, mb, vb, from, from + Optimizer.CHUNK);
            }
        }
    }

    @Benchmark
    public double sumOfSquares() {
        boolean heap = memory.equals("heap");
        double s = 0;
        for (int from = 0; from < N; from += Optimizer.CHUNK) {
            s += heap ? k.sumOfSquares(g, from, from + Optimizer.CHUNK) : k.sumOfSquares(gb, from, from + Optimizer.CHUNK);
        }
        return s;
    }
}
