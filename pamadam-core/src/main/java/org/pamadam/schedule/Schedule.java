package org.pamadam.schedule;

import java.util.List;

/**
 * A learning-rate schedule as an immutable value: the learning rate of a param group as a function
 * of the group's base learning rate (its {@link org.pamadam.rule.Rule#lr()}) and the optimizer step.
 *
 * <p><b>Step numbering.</b> {@code t} counts optimizer steps already taken: the first optimizer step
 * runs with {@code lr(base, 0)}, the n-th (1-based) with {@code lr(base, n - 1)}. This is torch's
 * {@code last_epoch} when {@code scheduler.step()} is called once after every {@code optimizer.step()},
 * so each value equals the lr torch's {@code torch.optim.lr_scheduler} class of the same name and
 * settings puts into the param group for that step. Micro-batches of an accumulated step do not
 * count; only optimizer steps do.
 *
 * <p>Every schedule is computed in closed form. torch evaluates most schedulers recursively (each lr
 * from the previous one, {@code get_lr}); its rounding drifts from the closed form by a few ulps per
 * step, far inside the 1e-9 relative bound that {@code ScheduleTorchTest} checks on runs of up to
 * 2,500 steps recorded by {@code tools/record_schedules.py} (the test prints the worst error of each).
 * The closed form lets a resumed run compute step t's lr without replaying steps 0..t-1.
 *
 * <p>Settings are validated when the value is built; a bad one fails with the schedule, the
 * setting, its value and what was expected.
 */
public sealed interface Schedule permits Constant, Linear, Cosine, StepDecay, Exponential, Sequential {

    /** The learning rate of optimizer step {@code t} (0-based, see above) for base rate {@code baseLr}. */
    double lr(double baseLr, long t);

    /** A short canonical description, e.g. {@code cosine(tMax=1000, etaMin=0.0)}, for reports. */
    String describe();

    /** The base lr at every step. */
    static Schedule constant() {
        return new Constant();
    }

    /**
     * Linear warmup over {@code steps} optimizer steps from {@code startFactor * base} towards the base
     * lr, reached at step {@code steps} (torch {@code LinearLR(start_factor, 1.0, total_iters=steps)}).
     */
    static Schedule warmup(long steps, double startFactor) {
        return new Linear(startFactor, 1.0, steps);
    }

    /** Linear decay from the base lr to {@code endFactor * base} over {@code steps} steps, then constant. */
    static Schedule linearDecay(long steps, double endFactor) {
        return new Linear(1.0, endFactor, steps);
    }

    /** Cosine annealing from the base lr to {@code etaMin} over {@code tMax} steps (torch CosineAnnealingLR). */
    static Schedule cosine(long tMax, double etaMin) {
        return new Cosine(tMax, etaMin);
    }

    /** Multiplies the lr by {@code gamma} every {@code stepSize} steps (torch StepLR). */
    static Schedule step(long stepSize, double gamma) {
        return new StepDecay(stepSize, gamma);
    }

    /** Multiplies the lr by {@code gamma} every step (torch ExponentialLR). */
    static Schedule exponential(double gamma) {
        return new Exponential(gamma);
    }

    /**
     * {@code schedules.get(0)} until step {@code milestones.get(0)}, then {@code schedules.get(1)}
     * restarted at its own step 0, and so on (torch SequentialLR).
     */
    static Schedule sequential(List<Schedule> schedules, List<Long> milestones) {
        return new Sequential(schedules, milestones);
    }

    /** {@code warmup(warmupSteps, startFactor)} then {@code after} from its step 0. */
    static Schedule withWarmup(long warmupSteps, double startFactor, Schedule after) {
        return new Sequential(List.of(warmup(warmupSteps, startFactor), after), List.of(warmupSteps));
    }

    /** Shared checks, with messages naming the schedule, the setting and the value. */
    static void requireAtLeast(String schedule, String what, long value, long min) {
        if (value < min) {
            throw new IllegalArgumentException(schedule + " schedule: " + what + " must be >= " + min + ", got " + value);
        }
    }

    static void requireIn(String schedule, String what, double value, double lo, boolean loOpen, double hi,
                          boolean hiOpen) {
        boolean ok = Double.isFinite(value) && (loOpen ? value > lo : value >= lo) && (hiOpen ? value < hi : value <= hi);
        if (!ok) {
            throw new IllegalArgumentException(schedule + " schedule: " + what + " must be in " + (loOpen ? "(" : "[")
                    + lo + ", " + hi + (hiOpen ? ")" : "]") + ", got " + value);
        }
    }
}
