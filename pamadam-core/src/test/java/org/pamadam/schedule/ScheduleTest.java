package org.pamadam.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Construction checks and the step numbering, against values worked out by hand. */
class ScheduleTest {

    private static void refused(String expected, Runnable build) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build::run);
        assertEquals(expected, e.getMessage());
    }

    @Test
    void badSettingsAreRefusedNamingScheduleSettingAndValue() {
        refused("linear schedule: startFactor must be in (0.0, 1.0], got 0.0", () -> Schedule.warmup(10, 0));
        refused("linear schedule: endFactor must be in [0.0, 1.0], got 1.5", () -> Schedule.linearDecay(10, 1.5));
        refused("linear schedule: totalSteps must be >= 1, got 0", () -> Schedule.warmup(0, 0.1));
        refused("cosine schedule: tMax must be >= 1, got 0", () -> Schedule.cosine(0, 0));
        refused("cosine schedule: etaMin must be in [0.0, 1.7976931348623157E308], got NaN",
                () -> Schedule.cosine(10, Double.NaN));
        refused("step schedule: stepSize must be >= 1, got -3", () -> Schedule.step(-3, 0.1));
        refused("step schedule: gamma must be in (0.0, 1.0], got 0.0", () -> Schedule.step(3, 0));
        refused("exp schedule: gamma must be in (0.0, 1.0], got 1.01", () -> Schedule.exponential(1.01));
        refused("sequential schedule: 2 schedules need 1 milestones, got 0",
                () -> Schedule.sequential(List.of(Schedule.constant(), Schedule.constant()), List.of()));
        refused("sequential schedule: milestones must be increasing and > 0, got milestone[1] = 5 after 5",
                () -> Schedule.sequential(List.of(Schedule.constant(), Schedule.constant(), Schedule.constant()),
                        List.of(5L, 5L)));
        refused("schedule step must be >= 0, got -1", () -> Schedule.cosine(10, 0).lr(1, -1));
    }

    @Test
    void stepZeroIsTheFirstOptimizerStep() {
        // Warmup over 4 steps from 0.25: steps 0..3 at 0.25, 0.4375, 0.625, 0.8125 of the base, then the base.
        Schedule w = Schedule.warmup(4, 0.25);
        double[] expected = {0.25, 0.4375, 0.625, 0.8125, 1, 1};
        for (int t = 0; t < expected.length; t++) {
            assertEquals(expected[t] * 2, w.lr(2, t), 1e-15, "step " + t);
        }
        // Warmup then cosine: the milestone step restarts the cosine at its own step 0 (the base lr).
        Schedule wc = Schedule.withWarmup(4, 0.25, Schedule.cosine(4, 0));
        assertEquals(0.8125, wc.lr(1, 3), 1e-15);
        assertEquals(1.0, wc.lr(1, 4), 0);
        assertEquals(0.5, wc.lr(1, 6), 1e-15);
        assertEquals(0.0, wc.lr(1, 8), 0);
    }

    @Test
    void describesItself() {
        assertEquals("sequential(linear(startFactor=0.01, endFactor=1.0, totalSteps=200), cosine(tMax=800, "
                        + "etaMin=0.0); milestones=[200])",
                Schedule.withWarmup(200, 0.01, Schedule.cosine(800, 0)).describe());
    }

    @Test
    void everyScheduleRefusesANegativeStep() {
        refused("schedule step must be >= 0, got -1", () -> Schedule.warmup(4, 0.25).lr(1, -1));
        refused("schedule step must be >= 0, got -1", () -> Schedule.step(3, 0.5).lr(1, -1));
        refused("schedule step must be >= 0, got -1", () -> Schedule.exponential(0.5).lr(1, -1));
        refused("schedule step must be >= 0, got -1", () -> Schedule.constant().lr(1, -1));
        refused("schedule step must be >= 0, got -1", () -> Schedule.cosine(10, 0).lr(1, -1));
        assertEquals(0.25, Schedule.constant().lr(0.25, 0), 0);
        // Sequential checks the step itself: its first part here (constant) would not
        refused("schedule step must be >= 0, got -2",
                () -> Schedule.sequential(List.of(Schedule.constant(), Schedule.constant()), List.of(4L)).lr(1, -2));
    }

    @Test
    void boundsAreInclusiveWhereTheMessageSaysSo() {
        // the smallest allowed counts: one step
        assertEquals(0.5, Schedule.warmup(1, 0.5).lr(1, 0), 0);
        assertEquals(1.0, Schedule.warmup(1, 0.5).lr(1, 1), 0);
        assertEquals(1.0, Schedule.step(1, 0.5).lr(4, 2), 0);     // 4 * 0.5^2
        // milestone 0 is refused, and the first milestone's message has nothing before it
        refused("sequential schedule: milestones must be increasing and > 0, got milestone[0] = 0",
                () -> Schedule.sequential(List.of(Schedule.constant(), Schedule.constant()), List.of(0L)));
        // an open upper bound (no schedule uses one yet) excludes the bound itself, a closed one includes it
        refused("x schedule: y must be in [0.0, 1.0), got 1.0", () -> Schedule.requireIn("x", "y", 1.0, 0, false, 1, true));
        Schedule.requireIn("x", "y", 0.999, 0, false, 1, true);
        Schedule.requireIn("x", "y", 1.0, 0, false, 1, false);
        Schedule.requireIn("x", "y", 0.0, 0, false, 1, true);
    }

    @Test
    void linearDecayGoesFromTheBaseToTheEndFactor() {
        // 1 + (0.1 - 1) * min(t, 10) / 10
        Schedule d = Schedule.linearDecay(10, 0.1);
        assertEquals(2.0, d.lr(2, 0), 0);
        assertEquals(1.1, d.lr(2, 5), 1e-15);
        assertEquals(0.2, d.lr(2, 10), 1e-15);
        assertEquals(0.2, d.lr(2, 50), 1e-15);
    }

    @Test
    void eachScheduleDescribesItself() {
        assertEquals("constant", Schedule.constant().describe());
        assertEquals("step(stepSize=30, gamma=0.1)", Schedule.step(30, 0.1).describe());
        assertEquals("exp(gamma=0.95)", Schedule.exponential(0.95).describe());
    }
}
