package org.pamadam.schedule;

import java.util.Locale;

/**
 * torch's {@code LinearLR}: the factor goes linearly from {@code startFactor} at step 0 to
 * {@code endFactor} at step {@code totalSteps} and stays there:
 * {@code lr = base * (start + (end - start) * min(t, totalSteps) / totalSteps)}.
 * Warmup is {@code Linear(f, 1, w)}; linear decay is {@code Linear(1, f, T)}.
 * torch's bounds: start in (0, 1], end in [0, 1].
 */
public record Linear(double startFactor, double endFactor, long totalSteps) implements Schedule {
    public Linear {
        Schedule.requireIn("linear", "startFactor", startFactor, 0, true, 1, false);
        Schedule.requireIn("linear", "endFactor", endFactor, 0, false, 1, false);
        Schedule.requireAtLeast("linear", "totalSteps", totalSteps, 1);
    }

    @Override
    public double lr(double baseLr, long t) {
        requireStep(t);
        return baseLr * (startFactor + (endFactor - startFactor) * Math.min(t, totalSteps) / totalSteps);
    }

    static void requireStep(long t) {
        if (t < 0) {
            throw new IllegalArgumentException("schedule step must be >= 0, got " + t);
        }
    }

    @Override
    public String describe() {
        return String.format(Locale.ROOT, "linear(startFactor=%s, endFactor=%s, totalSteps=%d)", startFactor,
                endFactor, totalSteps);
    }
}
