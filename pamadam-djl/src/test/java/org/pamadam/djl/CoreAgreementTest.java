package org.pamadam.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.tracker.ParameterTracker;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.pamadam.optim.Optimizer;
import org.pamadam.optim.Param;
import org.pamadam.rule.Rule;

/**
 * The DJL optimizers against the framework-free core {@link Optimizer} on the same random tensors and
 * gradients: every value after every step within 1e-5 of the core (relative to the tensor's largest
 * value, the golden traces' bound) and the same trust ratios.
 */
class CoreAgreementTest {
    static final String[] NAMES = {"w", "v", "s", "big", "zero"};
    /** A matrix, a vector, a 0-d scalar, a tensor above 4096 elements, and a zero-initialised bias. */
    static final int[][] SHAPES = {{7, 13}, {300}, {}, {64, 80}, {5}};
    static final int STEPS = 25;
    static final double BOUND = 1e-5;

    private static NDManager manager;

    @BeforeAll
    static void start() {
        manager = DjlEngine.startEngine().newBaseManager();
    }

    @AfterAll
    static void stop() {
        manager.close();
    }

    static Stream<Arguments> presets() {
        Stream<Arguments> presets = Stream.of(
                Arguments.of("pamadam", (Function<Boolean, RuleOptimizer>) host -> PamAdam.builder()
                        .optHostKernel(host).optLearningRate(0.01f).optWeightDecays(0.01f).build(),
                        Rule.pamAdam().lr(0.01).weightDecay(0.01).build()),
                Arguments.of("lamb", (Function<Boolean, RuleOptimizer>) host -> Lamb.builder()
                        .optHostKernel(host).optLearningRate(0.01f).optWeightDecays(0.01f).build(),
                        Rule.lamb().lr(0.01).weightDecay(0.01).build()),
                Arguments.of("adam", (Function<Boolean, RuleOptimizer>) host -> Adam.builder()
                        .optHostKernel(host).optLearningRate(0.01f).optWeightDecays(0.01f).build(),
                        Rule.adam().lr(0.01).weightDecay(0.01).build()),
                Arguments.of("adamw", (Function<Boolean, RuleOptimizer>) host -> AdamW.builder()
                        .optHostKernel(host).optLearningRate(0.01f).build(), Rule.adamW().lr(0.01).build()),
                // The shared step also serves momentum rules.
                Arguments.of("sgd", (Function<Boolean, RuleOptimizer>) host -> RuleOptimizer.named("sgd")
                        .optHostKernel(host).optLearningRate(0.05f).optWeightDecays(0.001f).build(),
                        Rule.sgd().lr(0.05).weightDecay(0.001).build()));
        return presets.flatMap(a -> Stream.of(true, false).map(host -> Arguments.of(a.get()[0], a.get()[1], a.get()[2], host)));
    }

    @ParameterizedTest(name = "{0} hostKernel={3}")
    @MethodSource("presets")
    void agreesWithTheCoreOptimizer(String name, Function<Boolean, RuleOptimizer> djl, Rule expected, boolean host) {
        try (RuleOptimizer optimizer = djl.apply(host)) {
            // The builder maps DJL-style settings onto exactly the core rule (0.01f means 0.01).
            assertEquals(expected, optimizer.rule());
            List<Double> ratios = compare(optimizer, expected, b -> b, g -> g, null, 11, host);
            if (expected.effectiveRatio() != org.pamadam.rule.TrustRatio.NONE) {
                // The comparison exercised real trust ratios, not the neutral 1.
                assertTrue(ratios.stream().anyMatch(r -> Math.abs(r - 1) > 0.01), () -> name + ": ratios " + ratios);
            }
        }
    }

    @ParameterizedTest(name = "hostKernel={0}")
    @ValueSource(booleans = {true, false})
    void rescalesThenClipsGradientsAsDjlDoes(boolean host) {
        try (RuleOptimizer optimizer = PamAdam.builder().optHostKernel(host).optLearningRate(0.01f).setRescaleGrad(0.25f)
                .optClipGrad(0.02f).build()) {
            Rule rule = Rule.pamAdam().lr(0.01).build();
            int[] clipped = {0};
            compare(optimizer, rule, b -> b, g -> {
                float[] out = new float[g.length];
                for (int i = 0; i < g.length; i++) {
                    float r = g[i] * 0.25f;
                    out[i] = Math.max(-0.02f, Math.min(0.02f, r));
                    clipped[0] += out[i] != r ? 1 : 0;
                }
                return out;
            }, null, 12, host);
            assertTrue(clipped[0] > 100, "the gradients were large enough to be clipped: " + clipped[0]);
        }
    }

    @ParameterizedTest(name = "hostKernel={0}")
    @ValueSource(booleans = {true, false})
    void plainStepParametersUseRatioOneAndTheRestAdapt(boolean host) {
        try (RuleOptimizer optimizer = PamAdam.builder().optHostKernel(host).optLearningRate(0.01f)
                .optPlainStep("zero|s").build()) {
            Rule rule = Rule.pamAdam().lr(0.01).build();
            compare(optimizer, rule, b -> b.override("zero|s", r -> r.adapt(false)), g -> g, null, 13, host);
            assertFalse(optimizer.adapts("zero"));
            assertFalse(optimizer.adapts("s"));
            assertTrue(optimizer.adapts("w"));
            assertEquals(1.0, optimizer.lastRatio("zero"));
            assertEquals(1.0, optimizer.lastRatio("s"));
            assertNotEquals(1.0, optimizer.lastRatio("w"));
        }
    }

    @ParameterizedTest(name = "hostKernel={0}")
    @ValueSource(booleans = {true, false})
    void adaptOffIsTheRuleWithoutItsRatio(boolean host) {
        try (RuleOptimizer optimizer = Lamb.builder().optHostKernel(host).optLearningRate(0.01f).optWeightDecays(0.01f)
                .optAdapt(false).build()) {
            Rule rule = Rule.lamb().lr(0.01).weightDecay(0.01).adapt(false).build();
            assertEquals(rule, optimizer.rule());
            compare(optimizer, rule, b -> b, g -> g, null, 14, host);
            assertEquals(1.0, optimizer.lastRatio("big"));
        }
    }

    @ParameterizedTest(name = "hostKernel={0}")
    @ValueSource(booleans = {true, false})
    void followsTheLearningRateTrackerWithDjlsGlobalUpdateNumber(boolean host) {
        List<Integer> asked = new ArrayList<>();
        ParameterTracker tracker = (id, numUpdate) -> {
            asked.add(numUpdate);
            return 0.02f / numUpdate;
        };
        try (RuleOptimizer optimizer = PamAdam.builder().optHostKernel(host).optLearningRateTracker(tracker).build()) {
            asked.clear(); // build() asks once to validate the first value
            Rule rule = Rule.pamAdam().lr(decimalLr(1)).build();
            compare(optimizer, rule, b -> b, g -> g, step -> decimalLr(step), 15, host);
            // Every tensor of step k was asked with update number k.
            assertEquals(STEPS * NAMES.length, asked.size());
            for (int k = 0; k < STEPS; k++) {
                for (int i = 0; i < NAMES.length; i++) {
                    assertEquals(k + 1, asked.get(k * NAMES.length + i));
                }
            }
        }
    }

    private static double decimalLr(int step) {
        return Tensors.decimal(0.02f / step);
    }

    /**
     * Runs the DJL optimizer and the core on the same tensors for {@link #STEPS} steps, asserting
     * agreement after each; returns the DJL ratios of the last step.
     */
    private static List<Double> compare(RuleOptimizer djl, Rule rule, UnaryOperator<Optimizer.Builder> groups,
                                        UnaryOperator<float[]> coreGrad,
                                        java.util.function.IntToDoubleFunction lrOfStep, long seed, boolean host) {
        Random rnd = new Random(seed);
        List<Param> params = new ArrayList<>();
        List<NDArray> weights = new ArrayList<>();
        for (int i = 0; i < NAMES.length; i++) {
            int n = Tensors.size(SHAPES[i]);
            float[] init = NAMES[i].equals("zero") ? new float[n] : Tensors.normal(rnd, n, 0.5);
            params.add(Param.of(NAMES[i], SHAPES[i], init.clone()));
            NDArray w = manager.create(init, Tensors.shape(SHAPES[i]));
            w.setName(NAMES[i]);
            weights.add(w);
        }
        List<Double> ratios = new ArrayList<>();
        try (Optimizer core = groups.apply(Optimizer.builder().group(rule, params).threads(1)).build()) {
            for (int step = 1; step <= STEPS; step++) {
                if (lrOfStep != null) {
                    core.setLearningRate(lrOfStep.applyAsDouble(step));
                }
                float[][] grads = new float[NAMES.length][];
                for (int i = 0; i < NAMES.length; i++) {
                    grads[i] = Tensors.normal(rnd, Tensors.size(SHAPES[i]), 0.1);
                    params.get(i).setGrad(coreGrad.apply(grads[i]));
                }
                core.step();
                for (int i = 0; i < NAMES.length; i++) {
                    try (NDArray g = manager.create(grads[i], Tensors.shape(SHAPES[i]))) {
                        djl.update(NAMES[i], weights.get(i), g);
                    }
                }
                ratios.clear();
                for (int i = 0; i < NAMES.length; i++) {
                    String name = NAMES[i];
                    int s = step;
                    double err = Tensors.relativeError(weights.get(i).toFloatArray(), params.get(i).data());
                    assertTrue(err <= BOUND, () -> rule.name() + " step " + s + " tensor '" + name
                            + "': relative error " + err + " > " + BOUND);
                    double want = core.lastRatio(name);
                    double got = djl.lastRatio(name);
                    assertTrue(Math.abs(got / want - 1) <= BOUND, () -> rule.name() + " step " + s + " tensor '"
                            + name + "': ratio " + got + ", core " + want);
                    assertEquals(step, djl.stepCount(name));
                    assertEquals(host, djl.usesHostKernel(name), name + ": path");
                    ratios.add(got);
                }
            }
        } finally {
            weights.forEach(NDArray::close);
        }
        return ratios;
    }
}
