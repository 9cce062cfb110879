package org.pamadam.schedule;

/** The base lr at every step: the same as no schedule. */
public record Constant() implements Schedule {
    @Override
    public double lr(double baseLr, long t) {
        Linear.requireStep(t);
        return baseLr;
    }

    @Override
    public String describe() {
        return "constant";
    }
}
