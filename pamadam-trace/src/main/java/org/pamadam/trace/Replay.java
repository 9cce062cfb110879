package org.pamadam.trace;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.pamadam.rule.Rule;

/**
 * Replays a trace through an engine and checks it against the bounds of the format's README:
 * parameters within {@value #PARAM_BOUND} x max|expected| at every recorded step; ratios within
 * {@value #RATIO_BOUND_LARGE} relative for tensors of {@value #LARGE} or more elements and
 * {@value #RATIO_BOUND_SMALL} for smaller ones.
 */
public final class Replay {
    public static final double PARAM_BOUND = 1e-5;
    public static final double RATIO_BOUND_LARGE = 1e-6;
    public static final double RATIO_BOUND_SMALL = 1e-4;
    public static final int LARGE = 4096;

    private Replay() {
    }

    /** Per-tensor agreement: worst errors over all steps, relative to the bounds. */
    public record TensorReport(String name, int[] shape, int elements, int stepsTaken, double paramError,
                               double ratioError, double ratioBound) {
        public boolean paramOk() {
            return paramError <= PARAM_BOUND;
        }

        /** NaN ratioError means the trace records no ratio for this tensor. */
        public boolean ratioOk() {
            return Double.isNaN(ratioError) ? true : ratioError <= ratioBound;
        }

        public boolean ok() {
            return paramOk() && ratioOk();
        }
    }

    /** The outcome: per-tensor reports and the replayed run as a trace (for {@code --out}). */
    public record Result(Trace trace, String engine, List<TensorReport> tensors, Trace replayed) {
        public boolean ok() {
            return tensors.stream().allMatch(TensorReport::ok);
        }
    }

    /** The engine with this name among those on the classpath. */
    public static ReplayEngine engine(String name) {
        List<String> names = new ArrayList<>();
        for (ReplayEngine e : ServiceLoader.load(ReplayEngine.class)) {
            if (e.name().equals(name)) {
                return e;
            }
            names.add(e.name());
        }
        throw new IllegalArgumentException("unknown engine '" + name + "', available: " + String.join(", ", names));
    }

    /**
     * Replays every step.
     *
     * @throws IllegalArgumentException when the trace's hyperparameters are invalid
     */
    public static Result run(Trace trace, ReplayEngine engine) {
        Rule rule = trace.rule();
        int n = trace.params().size();
        double[] paramErr = new double[n];
        double[] ratioErr = new double[n];
        int[] taken = new int[n];
        java.util.Arrays.fill(ratioErr, Double.NaN);
        List<Trace.Step> outSteps = new ArrayList<>();
        String describe;
        try (ReplayEngine.Run run = engine.open(rule, trace.params(), trace.maxGradNorm())) {
            describe = run.describe();
            for (Trace.Step step : trace.steps()) {
                run.step(step.grads());
                Map<String, Double> ratios = new LinkedHashMap<>();
                Map<String, float[]> values = new LinkedHashMap<>();
                for (int i = 0; i < n; i++) {
                    Trace.TraceParam p = trace.params().get(i);
                    float[] got = run.values(p.name()).clone();
                    values.put(p.name(), got);
                    boolean stepped = step.grads().get(p.name()) != null;
                    if (stepped) {
                        taken[i]++;
                        if (trace.hasRatios()) {
                            ratios.put(p.name(), run.ratio(p.name()));
                        }
                    }
                    float[] want = step.expected().get(p.name());
                    if (want != null) {
                        paramErr[i] = Math.max(paramErr[i], relativeError(got, want));
                    }
                    Double wantRatio = step.ratios().get(p.name());
                    if (wantRatio != null) {
                        double r = stepped ? run.ratio(p.name()) : Double.NaN;
                        double err = Math.abs(r / wantRatio - 1.0);
                        ratioErr[i] = Double.isNaN(ratioErr[i]) ? err : Math.max(ratioErr[i], err);
                        if (Double.isNaN(err)) {
                            ratioErr[i] = Double.POSITIVE_INFINITY;
                        }
                    }
                }
                outSteps.add(new Trace.Step(step.grads(), ratios, values));
            }
        }
        List<TensorReport> reports = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Trace.TraceParam p = trace.params().get(i);
            int size = p.init().length;
            reports.add(new TensorReport(p.name(), p.shape(), size, taken[i], paramErr[i], ratioErr[i],
                    size >= LARGE ? RATIO_BOUND_LARGE : RATIO_BOUND_SMALL));
        }
        String note = "replayed by engine " + engine.name() + (describe.isEmpty() ? "" : " (" + describe + ")")
                + (trace.note().isEmpty() ? "" : "; original note: " + trace.note());
        Trace replayed = new Trace(trace.name(), trace.kind(), note, trace.optimizer(), trace.hyper(),
                trace.params(), outSteps);
        return new Result(trace, engine.name() + (describe.isEmpty() ? "" : " (" + describe + ")"), reports, replayed);
    }

    /** max|got - want| / max|want|; exact agreement required when want is all zeros. NaN counts as infinite. */
    public static double relativeError(float[] got, float[] want) {
        double maxDiff = 0;
        double maxWant = 0;
        for (int k = 0; k < want.length; k++) {
            double d = Math.abs((double) got[k] - want[k]);
            if (Double.isNaN(d)) {
                return Double.POSITIVE_INFINITY;
            }
            maxDiff = Math.max(maxDiff, d);
            maxWant = Math.max(maxWant, Math.abs(want[k]));
        }
        if (maxDiff == 0) {
            return 0;
        }
        return maxWant == 0 ? Double.POSITIVE_INFINITY : maxDiff / maxWant;
    }
}
