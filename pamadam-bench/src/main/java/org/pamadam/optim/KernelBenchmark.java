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
 * One kernel pass over {@code floats} floats (4M unless set; the main job's MLP has 235,146) in
 * chunks of {@link Optimizer#CHUNK}, one thread: pass one
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
    @Param({"4194304"})
    public int floats;

    @Param({"vector-512"})
    public String kernel;

    @Param({"heap", "direct"})
    public String memory;

    /**
     * Where the direct buffers start: 64, on a cache line (as PyTorch's tensors and the optimizer's
     * moments); any other value, that many bytes past one (16: malloc's usual alignment).
     */
    @Param({"64"})
    public int align;

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
        int n = floats;
        k = Kernels.named(kernel);
        c = new Coefficients().prepare(Rule.pamAdam().build(), 10);
        c.scale = 1e-12f; // p barely moves, so every invocation does the same work
        SplittableRandom rnd = new SplittableRandom(1);
        p = new float[n];
        g = new float[n];
        m = new float[n];
        v = new float[n];
        for (int i = 0; i < n; i++) {
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

    private ByteBuffer direct(float[] a) {
        ByteBuffer raw = ByteBuffer.allocateDirect(4 * a.length + 128);
        ByteBuffer b = raw.alignedSlice(64);
        if (align != 64) {
            b = b.position(align).slice();
        }
        b = b.limit(4 * a.length).slice().order(ByteOrder.nativeOrder());
        b.asFloatBuffer().put(a);
        return b;
    }

    @Benchmark
    public void measure(Blackhole bh) {
        boolean heap = memory.equals("heap");
        for (int from = 0; from < floats; from += Optimizer.CHUNK) {
            if (heap) {
                k.measure(c, p, g, m, v, from, Math.min(floats, from + Optimizer.CHUNK), sums, 0);
            } else {
                k.measure(c, pb, gb, mb, vb, from, Math.min(floats, from + Optimizer.CHUNK), sums, 0);
            }
            bh.consume(sums[1]);
        }
    }

    @Benchmark
    public void apply() {
        boolean heap = memory.equals("heap");
        for (int from = 0; from < floats; from += Optimizer.CHUNK) {
            if (heap) {
                k.apply(c, p, g, m, v, from, Math.min(floats, from + Optimizer.CHUNK));
            } else {
                k.apply(c, pb, gb, mb, vb, from, Math.min(floats, from + Optimizer.CHUNK));
            }
        }
    }

    @Benchmark
    public double sumOfSquares() {
        boolean heap = memory.equals("heap");
        double s = 0;
        for (int from = 0; from < floats; from += Optimizer.CHUNK) {
            int to = Math.min(floats, from + Optimizer.CHUNK);
            s += heap ? k.sumOfSquares(g, from, to) : k.sumOfSquares(gb, from, to);
        }
        return s;
    }
}
