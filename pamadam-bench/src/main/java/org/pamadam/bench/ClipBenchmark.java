package org.pamadam.bench;

import java.util.List;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.pamadam.optim.Optimizer;
import org.pamadam.rule.Rule;

/**
 * The cost of global-norm clipping: one PAMAdam step of the core over transformer-10m with
 * {@code clip} off, and on at max norm 1.0 (the gradients' norm is about 1.9, so every step clips).
 * The target: on takes at most 1.15x the time of off, at the same thread count.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx6g"})
public class ClipBenchmark {

    @Param({"off", "on"})
    public String clip;

    @Param({"transformer-10m"})
    public String paramSet;

    @Param({"1", "2"})
    public int threads;

    private CoreRunner runner;

    @Setup(Level.Trial)
    public void setUp() {
        List<ParamSets.Shape> shapes = ParamSets.get(paramSet);
        double maxGradNorm = clip.equals("on") ? 1.0 : Double.POSITIVE_INFINITY;
        runner = new CoreRunner(Rule.pamAdam().build(), shapes, threads, maxGradNorm);
        System.out.println("# kernel: " + Optimizer.defaultKernel() + "; clip " + clip + "; "
                + ParamSets.elements(shapes) + " elements");
    }

    @Benchmark
    public void step() {
        runner.step();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        runner.close();
    }
}
