package org.pamadam.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.pamadam.rule.Rule;
import org.pamadam.schedule.Schedule;

/**
 * The edges of what a saved state and a builder accept, each on both sides: the values a real run
 * produces are taken, the first value past them is refused by name. (The mutants PIT left open in
 * {@code docs/mutation.md}: OptimizerState's clamp, ratio and moment bounds, StateIO's maxGradNorm, Plan's
 * schedule group and overlap check, FusedStep's message for a non-finite value, ReferenceStep's result.)
 */
class StateBoundsTest {
    private static final int[] SHAPE = {2};

    /** Loads one tensor's state into a fresh optimizer over "w" = {1, -2}; returns what the load threw, or null. */
    private static IllegalArgumentException load(OptimizerState.Tensor t) {
        Rule rule = Rule.pamAdam().build();
        Param w = Param.of("w", new float[] {1f, -2f});
        try (Optimizer opt = Optimizer.builder().group(rule, List.of(w)).build()) {
            OptimizerState state = new OptimizerState(List.of(new OptimizerState.Group(rule, List.of(t))), 0,
                    Double.POSITIVE_INFINITY, t.step());
            try {
                opt.load(state);
                assertEquals(t.step(), opt.stepCount("w"));
                return null;
            } catch (IllegalArgumentException e) {
                assertEquals(0, opt.stepCount("w"), "a refused load changes nothing");
                return e;
            }
        }
    }

    @Test
    void aTensorClampedAtEveryStepIsAValidState() {
        float[] m = {0.1f, 0.2f};
        float[] v = {0.01f, 0.04f};
        // maxRatio lowered the ratio at each of its 3 steps: clamps == steps.
        assertEquals(null, load(new OptimizerState.Tensor("w", SHAPE, 3, 0.5, m, v, 3)));
        IllegalArgumentException e = load(new OptimizerState.Tensor("w", SHAPE, 3, 0.5, m, v, 4));
        assertTrue(e != null && e.getMessage().contains("tensor 'w'") && e.getMessage().contains("clamp count 4"),
                String.valueOf(e));
    }

    @Test
    void mMayBeNegativeButVMayNot() {
        // m is a mean of gradients (any sign); v a mean of squares.
        assertEquals(null, load(new OptimizerState.Tensor("w", SHAPE, 1, 1.0, new float[] {-0.5f, 0.25f},
                new float[] {0.25f, 0.0625f}, 0)));
        IllegalArgumentException e = load(new OptimizerState.Tensor("w", SHAPE, 1, 1.0, new float[] {0.5f, 0.25f},
                new float[] {0.25f, -0.0625f}, 0));
        assertTrue(e != null && e.getMessage().contains("v[1] = -0.0625")
                && e.getMessage().endsWith("expected a finite value >= 0"), String.valueOf(e));
        e = load(new OptimizerState.Tensor("w", SHAPE, 1, 1.0, new float[] {Float.NaN, 0.25f},
                new float[] {0.25f, 0.0625f}, 0));
        assertTrue(e != null && e.getMessage().endsWith("m[0] = NaN, expected a finite value"), String.valueOf(e));
    }

    @Test
    void aLastRatioMayBeZeroOrNaNButNotInfiniteOrNegative() {
        float[] m = {0.1f, 0.2f};
        float[] v = {0.01f, 0.04f};
        assertEquals(null, load(new OptimizerState.Tensor("w", SHAPE, 1, 0.0, m, v, 0)));
        assertEquals(null, load(new OptimizerState.Tensor("w", SHAPE, 0, Double.NaN, m, v, 0)), "no step yet");
        for (double bad : new double[] {Double.POSITIVE_INFINITY, -Double.MIN_VALUE}) {
            IllegalArgumentException e = load(new OptimizerState.Tensor("w", SHAPE, 1, bad, m, v, 0));
            assertTrue(e != null && e.getMessage().contains("last ratio " + bad), bad + ": " + e);
        }
    }

    @Test
    void aStateWithMaxGradNormZeroIsRefusedAndChangesNothing() {
        Param w = Param.of("w", new float[] {1f, -2f});
        try (Optimizer opt = Optimizer.builder().group(Rule.pamAdam().build(), List.of(w)).maxGradNorm(1.0).build()) {
            w.setGrad(new float[] {0.5f, -0.25f});
            opt.step();
            OptimizerState saved = opt.state();
            OptimizerState zero = new OptimizerState(saved.groups(), saved.skippedSteps(), 0.0, saved.steps());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> opt.load(zero));
            assertTrue(e.getMessage().contains("maxGradNorm 0.0"), e.getMessage());
            assertEquals(1.0, opt.maxGradNorm(), "the refused load changed nothing");
            OptimizerState smallest = new OptimizerState(saved.groups(), saved.skippedSteps(), Double.MIN_VALUE,
                    saved.steps());
            assertDoesNotThrow(() -> opt.load(smallest));
        }
    }

    @Test
    void aScheduleForAGroupPastTheLastIsRefusedByNumber() {
        Param w = Param.of("w", new float[] {1f});
        Optimizer.Builder b = Optimizer.builder().group(Rule.pamAdam().build(), List.of(w));
        Schedule constant = Schedule.constant();
        assertDoesNotThrow(() -> b.schedule(0, constant));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.schedule(1, constant));
        assertTrue(e.getMessage().contains("no group 1 (1 added so far)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> b.schedule(-1, constant));
    }

    @Test
    void regionsOfOneBufferThatTouchAreTwoTensorsButOverlappingOnesAreRefused() {
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocateDirect(4 * Float.BYTES)
                .order(java.nio.ByteOrder.nativeOrder());
        Param a = Param.ofBuffer("a", SHAPE, buf, 0);
        Param b = Param.ofBuffer("b", SHAPE, buf, 2); // elements 2..3: touches a's end
        assertDoesNotThrow(() -> Optimizer.builder().group(Rule.pamAdam().build(), List.of(a, b)).build().close());
        assertDoesNotThrow(() -> Optimizer.builder().group(Rule.pamAdam().build(), List.of(b, a)).build().close());
        Param c = Param.ofBuffer("c", SHAPE, buf, 1); // elements 1..2: shares element 1 with a
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Optimizer.builder().group(Rule.pamAdam().build(), List.of(a, c)).build());
        assertTrue(e.getMessage().contains("'a'") && e.getMessage().contains("'c'"), e.getMessage());
    }

    @Test
    void aNonFiniteParameterValueIsNamedWhenTheGradientIsFinite() {
        Param w = Param.of("w", new float[] {1f, Float.NaN});
        try (Optimizer opt = Optimizer.builder().group(Rule.pamAdam().build(), List.of(w)).build()) {
            w.setGrad(new float[] {0.5f, 0.25f});
            NonFiniteGradientException e = assertThrows(NonFiniteGradientException.class, opt::step);
            assertTrue(e.getMessage().contains("parameter[1] = NaN"), e.getMessage());
            assertEquals(0, opt.stepCount("w"), "refused");
        }
    }

    @Test
    void anOverrideKeepsNoEmptyGroupAndOneThatMatchesNothingChangesNothing() {
        Param a = Param.of("a", new float[] {1f});
        Param b = Param.of("b", new float[] {2f});
        Rule rule = Rule.pamAdam().build();
        try (Optimizer none = Optimizer.builder().group(rule, List.of(a, b)).override("nothing", r -> r.adapt(false))
                .build()) {
            assertEquals(1, none.groupCount());
            assertEquals(rule, none.rule(0));
        }
        try (Optimizer all = Optimizer.builder().group(rule, List.of(a, b)).override(".*", r -> r.adapt(false))
                .build()) {
            assertEquals(1, all.groupCount(), "the emptied group is gone");
            assertEquals(rule.toBuilder().adapt(false).build(), all.rule(0));
            assertEquals(List.of(a, b), all.params(0));
        }
    }

    @Test
    void theReferenceStepReturnsItsRatioAndMovesByIt() {
        // First step: m/(1-b1) = g, v/(1-b2) = g^2, so step = g / (|g| + eps), about sign(g);
        // ratio = mean|p| / mean|step| = 1.5; p' = p - lr * ratio * step.
        Rule rule = Rule.pamAdam().lr(1e-3).build();
        float[] p = {1f, -2f};
        float[] g = {0.5f, -0.25f};
        double ratio = ReferenceStep.step(rule, 1, p, g, new float[2], new float[2]);
        assertEquals(1.5, ratio, 1e-6);
        assertArrayEquals(new float[] {1f - 1.5e-3f, -2f + 1.5e-3f}, p, 1e-6f);
    }
}
