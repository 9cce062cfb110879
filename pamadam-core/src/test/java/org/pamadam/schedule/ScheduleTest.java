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
}
