package org.pamadam.schedule;

import java.util.Locale;

/** torch's {@code StepLR}: {@code lr = base * gamma^floor(t / stepSize)}. gamma in (0, 1]. */
public record StepDecay(long stepSize, double gamma) implements Schedule {
    public StepDecay {
        Schedule.requireAtLeast("step", "stepSize", stepSize, 1);
        Schedule.requireIn("step", "gamma", gamma, 0, true, 1, false);
    }

    @Override
    public double lr(double baseLr, long t) {
        Linear.requireStep(t);
        return baseLr * Math.pow(gamma, t / stepSize);
    }

    @Override
    public String describe() {
        return String.format(Locale.ROOT, "step(stepSize=%d, gamma=%s)", stepSize, gamma);
    }
}
