package org.pamadam.optim;

import java.nio.ByteBuffer;
import org.pamadam.rule.Rule;

/**
 * One tensor's step, for callers that see one tensor at a time and hold its moments themselves (a
 * framework's per-parameter update with the framework's own optimizer state). It runs the same pieces
 * as {@link Optimizer#step()} on the same canonical chunks, sequentially on the calling thread, so a
 * tensor stepped here gets the bits {@code Optimizer} would give it: measure (read-only), the finite
 * check, the ratio with its zero guard and clamp, apply.
 *
 * <p>A non-finite gradient (or value) is refused before anything is written, for this tensor: a
 * caller that steps several tensors one by one gets per-tensor refusal. Prefer {@link Optimizer}
 * over {@link Param}s that view the framework's memory when the whole step is known: it refuses
 * all or nothing, and clips by the global norm.
 *
 * <p>Not thread-safe (it keeps scratch sums); allocates nothing per step.
 */
public final class TensorStep {
    private final Kernel kernel;
    private final Coefficients coef = new Coefficients();
    private final double[] sums = new double[2];

    /** A step on the JVM's kernel ({@code -Dpamadam.kernel}, else the widest available). */
    public TensorStep() {
        this(Kernels.get());
    }

    /** A step on the named kernel (see {@link Optimizer.Builder#kernel(String)}). */
    public TensorStep(String kernel) {
        this(Kernels.named(kernel));
    }

    TensorStep(Kernel kernel) {
        this.kernel = kernel;
    }

    public String kernelName() {
        return kernel.name();
    }

    /**
     * One step of {@code rule} on heap parameter {@code p} (its gradient set) with step count
     * {@code t} (1-based, for bias correction), reading the gradient as {@code g * gradScale}
     * (global-norm clipping computed by the caller; 1 for none). Updates p, m and v in place; v is
     * null for momentum rules.
     *
     * @return the guarded trust ratio before the rule's clamp (the step used {@code rule.clamp} of it)
     * @throws NonFiniteGradientException when a gradient or value is not finite; nothing was written
     */
    public double step(Rule rule, long t, Param p, float[] m, float[] v, float gradScale) {
        check(rule, t, p, false);
        if (m == null || m.length != p.size() || (v != null && v.length != p.size())) {
            throw new IllegalArgumentException("tensor '" + p.name() + "': moments of " + (m == null ? "null"
                    : m.length + " values") + " for a tensor of " + p.size() + " values");
        }
        return run(rule, t, p, m, v, null, null, gradScale);
    }

    /**
     * The same step on direct parameter {@code p}, with its moments in direct buffers whose index 0 is
     * element 0 (native byte order is used whatever the buffers say; slice once, not per step).
     */
    public double step(Rule rule, long t, Param p, ByteBuffer m, ByteBuffer v, float gradScale) {
        check(rule, t, p, true);
        long bytes = (long) p.size() * Float.BYTES;
        if (m == null || !m.isDirect() || m.capacity() < bytes || (v != null && (!v.isDirect() || v.capacity() < bytes))) {
            throw new IllegalArgumentException("tensor '" + p.name() + "': its moments must be direct buffers of at"
                    + " least " + bytes + " bytes");
        }
        return run(rule, t, p, null, null, m, v, gradScale);
    }

    private static void check(Rule rule, long t, Param p, boolean direct) {
        if (rule == null || p == null) {
            throw new IllegalArgumentException("rule and parameter must not be null");
        }
        if (t < 1) {
            throw new IllegalArgumentException("tensor '" + p.name() + "': step count " + t + ", expected >= 1");
        }
        if (p.isDirect() != direct) {
            throw new IllegalArgumentException("tensor '" + p.name() + "' is " + (p.isDirect() ? "off-heap" : "on the heap")
                    + ": its moments must be on the same kind of memory");
        }
        if (!p.hasGrad()) {
            throw new IllegalArgumentException("tensor '" + p.name() + "' has no gradient to step with");
        }
    }

    private double run(Rule rule, long t, Param p, float[] m, float[] v, ByteBuffer mb, ByteBuffer vb,
                       float gradScale) {
        coef.prepare(rule, t);
        coef.gradScale = gradScale;
        int size = p.size();
        double sumP = 0;
        double sumS = 0;
        int from = 0;
        do {
            int to = Math.min(size, from + Optimizer.CHUNK);
            FusedStep.measureRange(kernel, coef, p, m, v, mb, vb, from, to, sums, 0);
            sumP += sums[0];
            sumS += sums[1];
            from = to;
        } while (from < size);
        double ratio = FusedStep.ratio(coef, rule, sumP, sumS);
        if (Double.isNaN(ratio)) {
            throw new NonFiniteGradientException(p.name(), FusedStep.nonFiniteDetail(p));
        }
        for (from = 0; from < size; from += Optimizer.CHUNK) {
            FusedStep.applyRange(kernel, coef, p, m, v, mb, vb, from, Math.min(size, from + Optimizer.CHUNK));
        }
        return ratio;
    }
}
