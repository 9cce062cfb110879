package org.pamadam.schedule;

import java.util.Locale;

/** torch's {@code ExponentialLR}: {@code lr = base * gamma^t}. gamma in (0, 1]. */
public record Exponential(double gamma) implements Schedule {
    public Exponential {
        Schedule.requireIn("exp", "gamma", gamma, 0, true, 1, false);
    }

    @Override
    public double lr(double baseLr, long t) {
        Linear.requireStep(t);
        return baseLr * Math.pow(gamma, t);
    }

    @Override
    public String describe() {
        return String.format(Locale.ROOT, "exp(gamma=%s)", gamma);
    }
}
