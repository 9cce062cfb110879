package org.pamadam.schedule;

import java.util.Locale;

/**
 * torch's {@code CosineAnnealingLR}: {@code lr = etaMin + (base - etaMin) * (1 + cos(pi * t / tMax)) / 2},
 * so step 0 runs at the base lr and step {@code tMax} at {@code etaMin}. Past {@code tMax} the cosine
 * continues (rising again), as torch's does; schedule the run's length as {@code tMax} to avoid that.
 * {@code etaMin} is an absolute lr, as in torch.
 */
public record Cosine(long tMax, double etaMin) implements Schedule {
    public Cosine {
        Schedule.requireAtLeast("cosine", "tMax", tMax, 1);
        Schedule.requireIn("cosine", "etaMin", etaMin, 0, false, Double.MAX_VALUE, false);
    }

    @Override
    public double lr(double baseLr, long t) {
        Linear.requireStep(t);
        // The angle as torch writes it (pi * t / tMax, left to right), so both take the same cosine.
        return etaMin + (baseLr - etaMin) * (1 + Math.cos(Math.PI * t / tMax)) / 2;
    }

    @Override
    public String describe() {
        return String.format(Locale.ROOT, "cosine(tMax=%d, etaMin=%s)", tMax, etaMin);
    }
}
