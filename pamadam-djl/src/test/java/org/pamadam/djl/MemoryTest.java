package org.pamadam.djl;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.tracker.Tracker;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Pitfalls: temporaries attached to the model's manager (a naive version grew to 11,000 live arrays
 * in an epoch), and optimizer state the engine never frees. Live arrays are counted over the whole
 * manager tree of the engine (its system manager and every manager below it).
 */
class MemoryTest {

    /** Every NDArray attached anywhere in the engine's manager tree. */
    private static int liveArrays() {
        try (NDManager probe = Engine.getInstance().newBaseManager()) {
            return probe.getParentManager().getManagedArrays().size();
        }
    }

    static Stream<Arguments> optimizers() {
        Stream<Arguments> optimizers = Stream.of(
                // Every branch: tracker, rescale, clip, decoupled decay, a plain-step parameter.
                Arguments.of("pamadam", (Function<Boolean, RuleOptimizer>) host -> PamAdam.builder().optHostKernel(host)
                        .optLearningRateTracker(Tracker.factor().setBaseValue(0.01f).setFactor(0.999f).build())
                        .setRescaleGrad(0.5f).optClipGrad(1f).optWeightDecays(1e-4f).optPlainStep("bias").build()),
                Arguments.of("lamb", (Function<Boolean, RuleOptimizer>) host -> Lamb.builder().optHostKernel(host)
                        .optWeightDecays(0.01f).build()),
                Arguments.of("adam", (Function<Boolean, RuleOptimizer>) host -> Adam.builder().optHostKernel(host)
                        .optWeightDecays(0.01f).build()));
        return optimizers.flatMap(a -> Stream.of(true, false).map(host -> Arguments.of(a.get()[0], a.get()[1], host)));
    }

    @ParameterizedTest(name = "{0} hostKernel={2}")
    @MethodSource("optimizers")
    void liveArrayCountIsStableOverAThousandSteps(String name, Function<Boolean, RuleOptimizer> make, boolean host) {
        DjlEngine.startEngine();
        Random rnd = new Random(41);
        try (NDManager model = Engine.getInstance().newBaseManager();
             RuleOptimizer optimizer = make.apply(host)) {
            NDArray w = model.create(Tensors.normal(rnd, 64 * 32, 0.2), new Shape(64, 32));
            NDArray b = model.create(new float[32], new Shape(32));
            NDArray s = model.create(1.5f);
            b.setName("bias");
            List<NDArray> weights = List.of(w, b, s);
            for (NDArray x : weights) {
                x.setRequiresGradient(true);
            }
            for (int i = 0; i < 3; i++) {
                trainStep(model, optimizer, weights, rnd);
            }
            int before = liveArrays();
            int modelBefore = model.getManagedArrays().size();
            int stateBefore = optimizer.stateArrayCount();
            assertEquals(host, optimizer.usesHostKernel("p0"));
            // NDArray path: m and v for each of the 3 weights, and a ratio per adapting weight.
            assertTrue(host ? stateBefore == 0 : stateBefore >= 6, "state arrays " + stateBefore);
            // The counter does see an array that is not closed.
            try (NDArray leaked = w.mul(2f)) {
                assertEquals(before + 1, liveArrays(), "the live-array counter must see a new array " + leaked.getShape());
            }
            for (int i = 0; i < 1000; i++) {
                trainStep(model, optimizer, weights, rnd);
            }
            assertEquals(1003, optimizer.stepCount("p0"));
            assertEquals(modelBefore, model.getManagedArrays().size(), name + ": arrays on the model's manager");
            assertEquals(stateBefore, optimizer.stateArrayCount(), name + ": optimizer state arrays");
            assertEquals(before, liveArrays(), name + ": live NDArrays after 1,000 more steps");
            assertTrue(Float.isFinite(w.sum().getFloat()), "training stayed finite");
        }
    }

    /** loss = sum(x*w) + sum(y*b) + z*s with fresh data; backward; one optimizer update per weight. */
    private static void trainStep(NDManager model, RuleOptimizer optimizer, List<NDArray> weights, Random rnd) {
        try (NDManager batch = model.newSubManager()) {
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray loss = batch.create(Tensors.normal(rnd, 64 * 32, 1), new Shape(64, 32)).mul(weights.get(0)).sum()
                        .add(batch.create(Tensors.normal(rnd, 32, 1), new Shape(32)).mul(weights.get(1)).sum())
                        .add(batch.create(0.3f).mul(weights.get(2)));
                collector.backward(loss);
            }
            for (int i = 0; i < weights.size(); i++) {
                try (NDArray g = weights.get(i).getGradient()) {
                    optimizer.update("p" + i, weights.get(i), g);
                }
            }
        }
    }

    @ParameterizedTest(name = "hostKernel={0}")
    @ValueSource(booleans = {true, false})
    void closeFreesTheOptimizerStateAndRefusesLaterUpdates(boolean host) {
        DjlEngine.startEngine();
        Random rnd = new Random(42);
        try (NDManager model = Engine.getInstance().newBaseManager()) {
            NDArray w = model.create(Tensors.normal(rnd, 40, 1), new Shape(8, 5));
            NDArray b = model.create(Tensors.normal(rnd, 5, 1), new Shape(5));
            int base = liveArrays();
            PamAdam optimizer = PamAdam.builder().optHostKernel(host).build();
            assertEquals(0, optimizer.stateArrayCount());
            for (int step = 0; step < 3; step++) {
                for (NDArray x : List.of(w, b)) {
                    try (NDArray g = model.create(Tensors.normal(rnd, (int) x.size(), 0.1), x.getShape())) {
                        optimizer.update(x == w ? "w" : "b", x, g);
                    }
                }
            }
            // Per parameter on the NDArray path: m, v, the last ratio and the clamp and skip counters; the
            // host path keeps its state off-heap in the core.
            int state = host ? 0 : 10;
            assertEquals(state, optimizer.stateArrayCount());
            assertEquals(base + state, liveArrays());
            assertEquals(3, optimizer.stepCount("w"));
            optimizer.close();
            assertTrue(optimizer.isClosed());
            assertEquals(0, optimizer.stateArrayCount());
            assertEquals(base, liveArrays(), "live arrays after close");
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> {
                try (NDArray g = w.zerosLike()) {
                    optimizer.update("w", w, g);
                }
            });
            assertTrue(e.getMessage().contains("closed") && e.getMessage().contains("'w'"), e.getMessage());
            IllegalArgumentException gone = assertThrows(IllegalArgumentException.class, () -> optimizer.stepCount("w"));
            assertTrue(gone.getMessage().contains("closed"), gone.getMessage());
            assertDoesNotThrow(optimizer::close, "close is idempotent");
            assertEquals(40, w.toFloatArray().length, "the weights themselves are not the optimizer's to free");
        }
    }
}
