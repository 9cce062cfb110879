package org.pamadam.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.pamadam.TestData;
import org.pamadam.rule.Decay;
import org.pamadam.rule.Moments;
import org.pamadam.rule.Rule;
import org.pamadam.rule.TrustRatio;
import org.pamadam.state.Checkpoint;

/** Strict loading: a state of another rule or layout, or with a bad tensor, is refused before any write. */
class LoadTest {
    private static final Rule PAMADAM = Rule.pamAdam().lr(3e-3).build();

    private static List<Param> model(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        return List.of(Param.of("w1", new int[] {20, 30}, TestData.gaussian(rnd, 600, 0.3)),
                Param.of("b1", new int[] {20}, TestData.gaussian(rnd, 20, 0.1)),
                Param.of("w2", new int[] {5, 20}, TestData.gaussian(rnd, 100, 0.3)));
    }

    private static Optimizer optimizer(Rule rule, List<Param> ps) {
        return Optimizer.builder().group(rule, ps).threads(1).build();
    }

    private static void steps(Optimizer opt, List<Param> ps, long seed, int n) {
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int s = 0; s < n; s++) {
            for (Param p : ps) {
                p.setGrad(TestData.gaussian(rnd, p.size(), 0.1));
            }
            opt.step();
        }
    }

    /** A state of {@code rule} after 5 steps: different from the live one (2 steps) in every tensor. */
    private static OptimizerState saved(Rule rule) {
        List<Param> ps = model(7);
        try (Optimizer o = optimizer(rule, ps)) {
            steps(o, ps, 11, 5);
            return o.state();
        }
    }

    /** The same state with the last tensor of the last group changed: earlier tensors would be written first. */
    private static OptimizerState lastTensor(OptimizerState s, UnaryOperator<OptimizerState.Tensor> change) {
        List<OptimizerState.Group> groups = new ArrayList<>(s.groups());
        OptimizerState.Group g = groups.get(groups.size() - 1);
        List<OptimizerState.Tensor> ts = new ArrayList<>(g.tensors());
        ts.set(ts.size() - 1, change.apply(ts.get(ts.size() - 1)));
        groups.set(groups.size() - 1, new OptimizerState.Group(g.rule(), ts));
        return new OptimizerState(groups, s.skippedSteps());
    }

    private static OptimizerState.Tensor tensor(OptimizerState.Tensor t, int[] shape, long step, double ratio,
                                                float[] m, float[] v) {
        return new OptimizerState.Tensor(t.name(), shape, step, ratio, m, v);
    }

    private static float[] with(float[] a, int k, float value) {
        float[] out = a.clone();
        out[k] = value;
        return out;
    }

    static Stream<Arguments> badTensors() {
        List<Arguments> cases = new ArrayList<>();
        cases.add(Arguments.of("v missing", (Function<OptimizerState.Tensor, OptimizerState.Tensor>) t ->
                tensor(t, t.shape(), t.step(), t.lastRatio(), t.m(), null), "no v"));
        cases.add(Arguments.of("m missing", (Function<OptimizerState.Tensor, OptimizerState.Tensor>) t ->
                tensor(t, t.shape(), t.step(), t.lastRatio(), null, t.v()), "no m"));
        cases.add(Arguments.of("m short", (Function<OptimizerState.Tensor, OptimizerState.Tensor>) t ->
                tensor(t, t.shape(), t.step(), t.lastRatio(), new float[99], t.v()), "m has 99 values"));
        cases.add(Arguments.of("v long", (Function<OptimizerState.Tensor, OptimizerState.Tensor>) t ->
                tensor(t, t.shape(), t.step(), t.lastRatio(), t.m(), new float[101]), "v has 101 values"));
        cases.add(Arguments.of("shape", (Function<OptimizerState.Tensor, OptimizerState.Tensor>) t ->
                tensor(t, new int[] {20, 5}, t.step(), t.lastRatio(), t.m(), t.v()), "state shape [20, 5]"));
        cases.add(Arguments.of("shape null", (Function<OptimizerState.Tensor, OptimizerState.Tensor>) t ->
                tensor(t, null, t.step(), t.lastRatio(), t.m(), t.v()), "state shape null"));
        cases.add(Arguments.of("name", (Function<OptimizerState.Tensor, OptimizerState.Tensor>) t ->
                new OptimizerState.Tensor("w3", t.shape(), t.step(), t.lastRatio(), t.m(), t.v()), "'w3'"));
        cases.add(Arguments.of("negative step", (Function<OptimizerState.Tensor, OptimizerState.Tensor>) t ->
                tensor(t, t.shape(), -1, t.lastRatio(), t.m(), t.v()), "negative step count -1"));
        cases.add(Arguments.of("NaN in m", (Function<OptimizerState.Tensor, OptimizerState.Tensor>) t ->
                tensor(t, t.shape(), t.step(), t.lastRatio(), with(t.m(), 42, Float.NaN), t.v()), "m[42] = NaN"));
        cases.add(Arguments.of("Inf in v", (Function<OptimizerState.Tensor, OptimizerState.Tensor>) t ->
                tensor(t, t.shape(), t.step(), t.lastRatio(), t.m(), with(t.v(), 99, Float.POSITIVE_INFINITY)),
                "v[99] = Infinity"));
        cases.add(Arguments.of("negative v", (Function<OptimizerState.Tensor, OptimizerState.Tensor>) t ->
                tensor(t, t.shape(), t.step(), t.lastRatio(), t.m(), with(t.v(), 0, -1e-3f)), "v[0] = -0.001"));
        cases.add(Arguments.of("negative ratio", (Function<OptimizerState.Tensor, OptimizerState.Tensor>) t ->
                tensor(t, t.shape(), t.step(), -2.0, t.m(), t.v()), "last ratio -2.0"));
        cases.add(Arguments.of("infinite ratio", (Function<OptimizerState.Tensor, OptimizerState.Tensor>) t ->
                tensor(t, t.shape(), t.step(), Double.POSITIVE_INFINITY, t.m(), t.v()), "last ratio Infinity"));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badTensors")
    void aBadTensorIsRefusedBeforeAnyWrite(String what, Function<OptimizerState.Tensor, OptimizerState.Tensor> change,
                                           String expected) {
        OptimizerState bad = lastTensor(saved(PAMADAM), change::apply);
        List<Param> ps = model(7);
        try (Optimizer live = optimizer(PAMADAM, ps)) {
            steps(live, ps, 3, 2);
            byte[] before = Checkpoint.encode(live.state());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> live.load(bad));
            assertTrue(e.getMessage().contains(expected), what + ": " + e.getMessage());
            assertTrue(e.getMessage().contains("'w2'") || what.equals("name"), e.getMessage());
            assertArrayEquals(before, Checkpoint.encode(live.state()), what + ": live state changed");
            // The same state with the bad tensor repaired loads: the refusal was for that tensor alone.
            live.load(saved(PAMADAM));
            assertEquals(5, live.stepCount("w2"));
        }
    }

    @Test
    void aMomentumStateWithASecondMomentIsRefused() {
        Rule sgd = Rule.sgd().build();
        OptimizerState bad = lastTensor(saved(sgd), t -> tensor(t, t.shape(), t.step(), t.lastRatio(), t.m(),
                new float[100]));
        try (Optimizer live = optimizer(sgd, model(7))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> live.load(bad));
            assertTrue(e.getMessage().contains("'w2'") && e.getMessage().contains("second moment"), e.getMessage());
        }
    }

    @Test
    void aStateOfAnotherRuleIsRefusedNamingBoth() {
        OptimizerState adam = saved(Rule.adam().build());
        List<Param> ps = model(7);
        try (Optimizer live = optimizer(PAMADAM, ps)) {
            steps(live, ps, 3, 2);
            byte[] before = Checkpoint.encode(live.state());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> live.load(adam));
            assertTrue(e.getMessage().contains("group 0") && e.getMessage().contains("'adam'")
                    && e.getMessage().contains("'pamadam'"), e.getMessage());
            assertArrayEquals(before, Checkpoint.encode(live.state()));
            assertEquals("pamadam", live.rule(0).name());
        }
    }

    static Stream<Rule> otherKinds() {
        // Each differs from PAMADAM in exactly one of name, decay, trust ratio.
        return Stream.of(new Rule("pamadam2", Moments.ADAM, Decay.DECOUPLED, TrustRatio.MEAN_ABS, 1e-3, 0.9, 0.999,
                        1e-8, 0, true),
                new Rule("pamadam", Moments.ADAM, Decay.IN_STEP, TrustRatio.MEAN_ABS, 1e-3, 0.9, 0.999, 1e-8, 0, true),
                new Rule("pamadam", Moments.ADAM, Decay.DECOUPLED, TrustRatio.L2_NORM, 1e-3, 0.9, 0.999, 1e-8, 0, true));
    }

    @ParameterizedTest
    @MethodSource("otherKinds")
    void eachPartOfTheRuleKindMustMatch(Rule other) {
        OptimizerState foreign = saved(other);
        try (Optimizer live = optimizer(PAMADAM, model(7))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> live.load(foreign));
            assertTrue(e.getMessage().contains("saved by rule"), e.getMessage());
            assertEquals(0, live.stepCount("w1"));
        }
    }

    @Test
    void hyperparametersMayDifferAndAreRestored() {
        Rule tuned = Rule.pamAdam().lr(0.05).betas(0.8, 0.99).eps(1e-6).weightDecay(0.02).adapt(false).build();
        OptimizerState s = saved(tuned);
        try (Optimizer live = optimizer(PAMADAM, model(7))) {
            live.load(s);
            assertEquals(tuned, live.rule(0));
            assertEquals(5, live.stepCount("w1"));
            assertArrayEquals(Checkpoint.encode(s), Checkpoint.encode(live.state()));
        }
    }

    @Test
    void loadKeepingRulesTakesTheMomentsOfAnotherRule() {
        OptimizerState adam = saved(Rule.adam().build());
        try (Optimizer live = optimizer(PAMADAM, model(7))) {
            live.loadKeepingRules(adam);
            assertEquals(PAMADAM, live.rule(0));
            assertEquals(5, live.stepCount("b1"));
            OptimizerState got = live.state();
            for (int t = 0; t < 3; t++) {
                assertArrayEquals(adam.groups().get(0).tensors().get(t).m(), got.groups().get(0).tensors().get(t).m());
                assertArrayEquals(adam.groups().get(0).tensors().get(t).v(), got.groups().get(0).tensors().get(t).v());
            }
            // The moment layout must still fit: SGD keeps no v.
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> live.loadKeepingRules(saved(Rule.sgd().build())));
            assertTrue(e.getMessage().contains("MOMENTUM"), e.getMessage());
            // The tensor checks still run.
            OptimizerState bad = lastTensor(adam, t -> tensor(t, t.shape(), t.step(), t.lastRatio(), t.m(), null));
            assertThrows(IllegalArgumentException.class, () -> live.loadKeepingRules(bad));
        }
    }

    @Test
    void layoutDifferencesAreRefused() {
        OptimizerState s = saved(PAMADAM);
        OptimizerState.Group g = s.groups().get(0);
        try (Optimizer live = optimizer(PAMADAM, model(7))) {
            byte[] before = Checkpoint.encode(live.state());
            OptimizerState twoGroups = new OptimizerState(List.of(g, g), 0);
            assertTrue(assertThrows(IllegalArgumentException.class, () -> live.load(twoGroups)).getMessage()
                    .contains("2 param groups"));
            OptimizerState missing = new OptimizerState(List.of(new OptimizerState.Group(g.rule(),
                    g.tensors().subList(0, 2))), 0);
            assertTrue(assertThrows(IllegalArgumentException.class, () -> live.load(missing)).getMessage()
                    .contains("lacks tensor 'w2'"));
            List<OptimizerState.Tensor> extra = new ArrayList<>(g.tensors());
            extra.add(g.tensors().get(0));
            OptimizerState more = new OptimizerState(List.of(new OptimizerState.Group(g.rule(), extra)), 0);
            assertTrue(assertThrows(IllegalArgumentException.class, () -> live.load(more)).getMessage()
                    .contains("more tensors"));
            OptimizerState negative = new OptimizerState(s.groups(), -3);
            assertTrue(assertThrows(IllegalArgumentException.class, () -> live.load(negative)).getMessage()
                    .contains("-3"));
            OptimizerState noRule = new OptimizerState(List.of(new OptimizerState.Group(null, g.tensors())), 0);
            assertTrue(assertThrows(IllegalArgumentException.class, () -> live.load(noRule)).getMessage()
                    .contains("no rule"));
            assertArrayEquals(before, Checkpoint.encode(live.state()));
        }
    }

    @Test
    void aStateOfTwoGroupsMustMatchGroupByGroup() {
        // Group boundaries: the same tensors split differently are refused, naming the group.
        List<Param> ps = model(7);
        OptimizerState split;
        try (Optimizer o = Optimizer.builder().group(PAMADAM, ps).override("b1", r -> r.adapt(false)).build()) {
            steps(o, ps, 1, 1);
            split = o.state();
        }
        List<Param> ps2 = model(7);
        try (Optimizer live = Optimizer.builder().group(PAMADAM, ps2).override("w2", r -> r.adapt(false)).build()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> live.load(split));
            assertTrue(e.getMessage().contains("'w2'") && e.getMessage().contains("'b1'"), e.getMessage());
            assertEquals(0, live.stepCount("w1"));
        }
        try (Optimizer same = Optimizer.builder().group(PAMADAM, model(7)).override("b1", r -> r.adapt(false)).build()) {
            same.load(split);
            assertNotEquals(same.rule(0).adapt(), same.rule(1).adapt());
            assertEquals(1, same.stepCount("b1"));
        }
    }
}
