package org.pamadam.dl4j;

import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.linalg.schedule.MapSchedule;
import org.nd4j.linalg.schedule.ScheduleType;
import org.pamadam.schedule.Schedule;

/**
 * A core {@link Schedule} as a DL4J {@link ISchedule}, for {@link RuleUpdater}'s learning rate (DL4J's
 * own ISchedules keep working there too). The value at {@code t} is {@code schedule.lr(baseLr, t)}:
 * {@link NetworkStep} reads it at the optimizer's own count of steps taken (the core's step
 * numbering), not at DL4J's iteration count, which also counts accumulated micro-batches.
 *
 * <p>It is a {@link MapSchedule} with one entry per step up to {@code steps} (after the last one the
 * last value holds), so it serializes in DL4J's JSON and model files like any DL4J schedule. Size the
 * map to the run: {@code steps} = the optimizer steps the training takes.
 */
public final class Dl4jSchedules {
    private Dl4jSchedules() {
    }

    /** {@code schedule} from {@code baseLr}, tabulated for iterations 0 .. steps-1. */
    public static ISchedule of(Schedule schedule, double baseLr, int steps) {
        if (steps < 1) {
            throw new IllegalArgumentException("Dl4jSchedules: steps must be >= 1, got " + steps);
        }
        MapSchedule.Builder b = new MapSchedule.Builder(ScheduleType.ITERATION);
        double previous = Double.NaN;
        for (int t = 0; t < steps; t++) {
            double lr = schedule.lr(baseLr, t);
            // Only changes are stored: MapSchedule holds the last value below an iteration.
            if (t == 0 || lr != previous) {
                b.add(t, lr);
            }
            previous = lr;
        }
        return b.build();
    }
}
