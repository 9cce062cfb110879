package org.pamadam.schedule;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pamadam.TestData;
import org.pamadam.optim.Optimizer;
import org.pamadam.optim.Param;
import org.pamadam.rule.Rule;
import org.pamadam.state.Checkpoint;

/** Schedules inside the optimizer: the lr each step runs with, per group, and across a checkpoint. */
class ScheduledOptimizerTest {
    @TempDir
    Path dir;

    /** torch's recorded lrs of one configuration of tools/record_schedules.py. */
    private static double[] torchLrs(String name) throws IOException {
        try (InputStream in = ScheduledOptimizerTest.class.getResourceAsStream("/schedules/torch_schedules.json")) {
            for (JsonNode c : new ObjectMapper().readTree(in).get("configs")) {
                if (c.get("name").asText().equals(name)) {
                    double[] out = new double[c.get("lrs").size()];
                    for (int t = 0; t < out.length; t++) {
                        out[t] = c.get("lrs").get(t).asDouble();
                    }
                    return out;
                }
            }
        }
        throw new IllegalStateException("no recorded configuration " + name);
    }

    private static final Schedule WARMUP_COSINE = Schedule.withWarmup(200, 0.005, Schedule.cosine(800, 0));

    @ParameterizedTest(name = "fused {0}")
    @ValueSource(booleans = {true, false})
    void plainSgdMovesByTorchsLrAtEveryStep(boolean fused) throws IOException {
        // SGD without momentum and a gradient of 1: every step moves p by exactly (float) lr_t.
        double[] lrs = torchLrs("warmup 200 then cosine 800");
        float[] p = new float[3];
        Param param = Param.of("w", new int[] {3}, p);
        float expected = 0;
        try (Optimizer opt = Optimizer.builder().group(Rule.sgd().momentum(0).lr(1e-3).build(), List.of(param))
                .schedule(WARMUP_COSINE).fused(fused).threads(1).build()) {
            for (int t = 0; t < lrs.length; t++) {
                assertEquals(lrs[t], opt.lr(0), 1e-9 * lrs[t], "lr reported before step " + t);
                param.setGrad(new float[] {1, 1, 1});
                opt.step();
                expected -= (float) lrs[t];
                assertEquals(expected, p[1], 0f, "after step " + (t + 1));
            }
        }
    }

    @Test
    void decoupledDecayUsesTheScheduledLr() {
        // AdamW with a zero gradient takes a zero Adam step, so only the decay p *= 1 - lr_t * wd acts.
        Schedule exp = Schedule.exponential(0.9);
        float[] p = {1f, -2f};
        Param param = Param.of("w", new int[] {2}, p);
        float expected = 1f;
        try (Optimizer opt = Optimizer.builder().group(Rule.adamW().lr(0.1).weightDecay(0.5).build(), List.of(param))
                .schedule(exp).build()) {
            for (int t = 0; t < 20; t++) {
                param.setGrad(new float[2]);
                opt.step();
                expected *= (float) (1 - 0.1 * Math.pow(0.9, t) * 0.5);
                assertEquals(expected, p[0], 0f, "after step " + (t + 1));
            }
        }
    }

    @Test
    void eachGroupHasItsOwnScheduleAndDerivedGroupsInheritIt() {
        Param w = Param.of("fc.weight", new int[] {2}, new float[2]);
        Param b = Param.of("fc.bias", new int[] {2}, new float[2]);
        Param other = Param.of("head.weight", new int[] {2}, new float[2]);
        Schedule step = Schedule.step(2, 0.5);
        try (Optimizer opt = Optimizer.builder()
                .group(Rule.sgd().momentum(0).lr(1).build(), List.of(w, b)).schedule(step)
                .group(Rule.sgd().momentum(0).lr(1).build(), List.of(other))
                .override(".*bias", r -> r.weightDecay(0)).build()) {
            // groups: fc.weight, head.weight, then fc.bias derived from the first group
            assertSame(step, opt.schedule(0));
            assertNull(opt.schedule(1));
            assertSame(step, opt.schedule(2));
            for (int t = 0; t < 5; t++) {
                for (Param p : List.of(w, b, other)) {
                    p.setGrad(new float[] {1, 1});
                }
                opt.step();
            }
            // step lrs 1, 1, 0.5, 0.5, 0.25 for the scheduled groups; 1 five times for the other
            assertEquals(-3.25f, w.data()[0], 0f);
            assertEquals(-3.25f, b.data()[0], 0f);
            assertEquals(-5f, other.data()[0], 0f);
            assertEquals(0.25, opt.lr(0), 0);
            assertEquals(1.0, opt.lr(1), 0);
            assertEquals(1.0, opt.rule(0).lr(), 0, "the rule keeps the base lr");
        }
    }

    @Test
    void everyTensorOfAGroupRunsAtTheOptimizersStepCountAsTorchsGroupLr() {
        Param a = Param.of("a", new int[] {1}, new float[1]);
        Param b = Param.of("b", new int[] {1}, new float[1]);
        try (Optimizer opt = Optimizer.builder().group(Rule.sgd().momentum(0).lr(1).build(), List.of(a, b))
                .schedule(Schedule.exponential(0.5)).build()) {
            a.setGrad(new float[] {1});
            b.setGrad(null);
            opt.step();
            opt.step();
            b.setGrad(new float[] {1});
            opt.step();
            assertEquals(-1.75f, a.data()[0], 0f); // 1 + 0.5 + 0.25
            // b's first step is the optimizer's third: its group's lr there, 0.25, as in torch.
            assertEquals(-0.25f, b.data()[0], 0f);
            assertEquals(3, opt.stepCount());
            assertEquals(1, opt.stepCount("b"), "bias correction still counts the tensor's own steps");
            assertEquals(0.125, opt.lr(0), 0);
        }
    }

    @Test
    void refusedAndEmptyStepsDoNotMoveTheScheduleAndACheckpointKeepsItsPosition() {
        Param a = Param.of("a", new int[] {1}, new float[1]);
        Param b = Param.of("b", new int[] {1}, new float[1]);
        Rule rule = Rule.sgd().momentum(0).lr(1).build();
        try (Optimizer opt = Optimizer.builder().group(rule, List.of(a, b)).schedule(Schedule.exponential(0.5))
                .build()) {
            a.setGrad(new float[] {1});
            opt.step();
            a.setGrad(new float[] {Float.NaN});
            assertThrows(org.pamadam.optim.NonFiniteGradientException.class, opt::step);
            a.setGrad(null);
            opt.step(); // no gradient at all: nothing happens, nothing is counted
            assertEquals(1, opt.stepCount());
            a.setGrad(new float[] {1});
            opt.step();
            assertEquals(-1.5f, a.data()[0], 0f); // 1 + 0.5
            // Only b stepped after the save: the tensor counts say 2 and 1, the optimizer's says 3.
            b.setGrad(new float[] {1});
            a.setGrad(null);
            opt.step();
            assertEquals(-0.25f, b.data()[0], 0f);
            org.pamadam.optim.OptimizerState saved = opt.state();
            assertEquals(3, saved.steps());
            Param a2 = Param.of("a", new int[] {1}, new float[1]);
            Param b2 = Param.of("b", new int[] {1}, new float[1]);
            try (Optimizer resumed = Optimizer.builder().group(rule, List.of(a2, b2))
                    .schedule(Schedule.exponential(0.5)).build()) {
                resumed.load(org.pamadam.state.Checkpoint.decode(org.pamadam.state.Checkpoint.encode(saved), "mem"));
                assertEquals(0.125, resumed.lr(0), 0);
            } catch (org.pamadam.state.CheckpointException e) {
                throw new AssertionError(e);
            }
        }
    }

    @Test
    void builderRefusesAScheduleWithoutItsGroup() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Optimizer.builder().schedule(Schedule.constant()));
        assertEquals("schedule: no group -1 (0 added so far); add the group first", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Optimizer.builder()
                .group(Rule.adam().build(), List.of(Param.of("a", new int[] {1}, new float[1])))
                .schedule(3, Schedule.constant()));
        assertEquals("schedule: no group 3 (1 added so far); add the group first", e.getMessage());
    }

    private static List<Param> model() {
        SplittableRandom rnd = new SplittableRandom(4);
        return List.of(Param.of("w", new int[] {40, 30}, TestData.gaussian(rnd, 1200, 0.3)),
                Param.of("bias", new int[] {40}, new float[40]));
    }

    private static Optimizer optimizer(List<Param> ps, Schedule schedule) {
        Optimizer.Builder b = Optimizer.builder().group(Rule.pamAdam().lr(3e-2).build(), ps);
        if (schedule != null) {
            b.schedule(schedule);
        }
        return b.override("bias", r -> r.adapt(false)).threads(2).build();
    }

    private static void steps(Optimizer opt, List<Param> ps, SplittableRandom rnd, int n) {
        for (int s = 0; s < n; s++) {
            for (Param p : ps) {
                p.setGrad(TestData.gaussian(rnd, p.size(), 0.1));
            }
            opt.step();
        }
    }

    private static List<Param> copy(List<Param> ps) {
        List<Param> out = new ArrayList<>();
        for (Param p : ps) {
            out.add(Param.of(p.name(), p.shape(), p.data().clone()));
        }
        return out;
    }

    @Test
    void aResumedRunEqualsAnUninterruptedOne() throws IOException {
        Schedule schedule = Schedule.withWarmup(8, 0.1, Schedule.cosine(22, 1e-4));
        List<Param> straight = model();
        SplittableRandom rndA = new SplittableRandom(7);
        try (Optimizer a = optimizer(straight, schedule)) {
            steps(a, straight, rndA, 30);
        }
        List<Param> first = model();
        SplittableRandom rndB = new SplittableRandom(7);
        Path file = dir.resolve("opt.ckpt");
        try (Optimizer b = optimizer(first, schedule)) {
            steps(b, first, rndB, 11); // stops inside the cosine, three steps after the milestone
            Checkpoint.save(b, file);
        }
        List<Param> resumed = copy(first);
        List<Param> unscheduled = copy(first);
        try (Optimizer c = optimizer(resumed, Schedule.withWarmup(8, 0.1, Schedule.cosine(22, 1e-4)));
             Optimizer d = optimizer(unscheduled, null)) {
            Checkpoint.load(c, file);
            Checkpoint.load(d, file);
            assertEquals(schedule.lr(3e-2, 11), c.lr(0), 0, "position restored from the step count");
            SplittableRandom copyOfB = new SplittableRandom(7);
            steps(c, resumed, rndB, 19);
            // The same gradients without the schedule go elsewhere: the schedule is what made the match.
            gradientsOf(copyOfB, first, 11);
            steps(d, unscheduled, copyOfB, 19);
        }
        for (int i = 0; i < straight.size(); i++) {
            assertArrayEquals(straight.get(i).data(), resumed.get(i).data(), straight.get(i).name());
        }
        assertFalse(Arrays.equals(straight.get(0).data(), unscheduled.get(0).data()));
    }

    /** Draws the gradients of {@code n} steps without stepping, to line a generator up with another. */
    private static void gradientsOf(SplittableRandom rnd, List<Param> ps, int n) {
        for (int s = 0; s < n; s++) {
            for (Param p : ps) {
                TestData.gaussian(rnd, p.size(), 0.1);
            }
        }
    }

    @Test
    void aNewRuleTakesEffectAtTheSamePosition() {
        // Two tensors stepped one at a time are both at position 0. The scheduled rule derived for the
        // first must not be reused for the second once setRule has replaced the group's base rule.
        // SGD without momentum, gradient 1, constant schedule: each tensor moves by exactly -(float) lr.
        float[] a = new float[1];
        float[] b = new float[1];
        Param pa = Param.of("a", new int[] {1}, a);
        Param pb = Param.of("b", new int[] {1}, b);
        try (Optimizer opt = Optimizer.builder().group(Rule.sgd().momentum(0).lr(0.1).build(), List.of(pa, pb))
                .schedule(Schedule.constant()).threads(1).build()) {
            pa.setGrad(new float[] {1});
            opt.stepTensor(pa);
            assertEquals(-0.1f, a[0], 0f);
            opt.setRule(0, Rule.sgd().momentum(0).lr(0.5).build());
            pb.setGrad(new float[] {1});
            opt.stepTensor(pb);
            assertEquals(-0.5f, b[0], 0f);
            assertEquals(-0.1f, a[0], 0f);
        }
    }
}
