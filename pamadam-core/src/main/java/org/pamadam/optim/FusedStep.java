package org.pamadam.optim;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;
import org.pamadam.rule.Rule;

/**
 * The step itself, once for every caller: global-norm clipping, pass one (measure, read-only), the
 * finite check, the ratio with its zero guard and clamp, pass two (apply). It runs over a fixed
 * decomposition of all tensors into chunks of at most {@link Optimizer#CHUNK} elements, in tasks
 * that the {@link WorkerPool} spreads over its threads; small tensors share a task. Each chunk's
 * sums land in their own slot and are added in chunk order, so the result is bit-identical for any
 * thread count, and (with {@link Kernel}'s canonical order inside a chunk) for any kernel.
 *
 * <p>Which memory a tensor lives on is tested once per chunk, never per element: each kernel has one
 * loop per kind.
 */
final class FusedStep {
    private final Param[] params;
    private final MomentStore moments;
    private final Kernel kernel;
    private final WorkerPool pool;
    private final Coefficients[] coef;
    private final boolean[] active;
    /** Per tensor: the guarded ratio before the clamp, set by a successful {@link #run}. */
    private final double[] ratio;
    private double lastNorm = Double.NaN;
    /** Whether the running step zeroes each chunk's gradient after pass two (see {@link #run}). */
    private boolean zeroGrads;

    // The fixed plan: segment s is params[segParam[s]] over [segFrom[s], segTo[s]); task k runs
    // segments taskStart[k] .. taskStart[k+1]-1. sums[2s], sums[2s+1] hold segment s's pass-one sums.
    private final int[] segParam;
    private final int[] segFrom;
    private final int[] segTo;
    private final int[] paramFirstSeg;
    private final int[] taskStart;
    private final double[] sums;
    private final IntConsumer measureTask = this::measure;
    private final IntConsumer applyTask = this::apply;
    private final IntConsumer normTask = this::norm;

    FusedStep(Param[] params, MomentStore moments, Kernel kernel, WorkerPool pool) {
        int n = params.length;
        this.params = params;
        this.moments = moments;
        this.kernel = kernel;
        this.pool = pool;
        coef = new Coefficients[n];
        active = new boolean[n];
        ratio = new double[n];
        for (int i = 0; i < n; i++) {
            coef[i] = new Coefficients();
        }
        List<int[]> segs = new ArrayList<>();
        paramFirstSeg = new int[n + 1];
        for (int i = 0; i < n; i++) {
            paramFirstSeg[i] = segs.size();
            int size = params[i].size();
            int from = 0;
            do {
                segs.add(new int[] {i, from, Math.min(size, from + Optimizer.CHUNK)});
                from += Optimizer.CHUNK;
            } while (from < size);
        }
        paramFirstSeg[n] = segs.size();
        segParam = segs.stream().mapToInt(s -> s[0]).toArray();
        segFrom = segs.stream().mapToInt(s -> s[1]).toArray();
        segTo = segs.stream().mapToInt(s -> s[2]).toArray();
        sums = new double[2 * segs.size()];
        List<Integer> starts = new ArrayList<>();
        int filled = Optimizer.CHUNK;
        for (int s = 0; s < segs.size(); s++) {
            if (filled >= Optimizer.CHUNK) {
                starts.add(s);
                filled = 0;
            }
            filled += Math.max(1, segTo[s] - segFrom[s]);
        }
        starts.add(segs.size());
        taskStart = starts.stream().mapToInt(Integer::intValue).toArray();
    }

    String kernelName() {
        return kernel.name();
    }

    /** Takes tensor {@code i} into the next step under {@code rule} at its step count {@code t} (1-based). */
    void activate(int i, Rule rule, long t) {
        active[i] = true;
        coef[i].prepare(rule, t);
    }

    void deactivate(int i) {
        active[i] = false;
    }

    boolean active(int i) {
        return active[i];
    }

    /** The live per-tensor flags of the step being prepared (read only; the reference path reuses them). */
    boolean[] activeFlags() {
        return active;
    }

    /**
     * One step over the active tensors, {@code rules[i]} giving tensor i's hyperparameters (its lr
     * already scheduled). Returns -1 when the step was written; otherwise the index of the first tensor
     * whose gradient (or value) is not finite, and nothing was written. With {@code zeroGrads}, a
     * written step also sets every active gradient to +0, each chunk right after pass two has read it
     * (still in cache), rather than in a later trip through memory; a refused step leaves them.
     */
    int run(Rule[] rules, double maxGradNorm, boolean zeroGrads) {
        double norm = Double.NaN;
        if (maxGradNorm != Double.POSITIVE_INFINITY) {
            pool.run(taskStart.length - 1, normTask);
            double total = 0;
            for (int s = 0; s < segParam.length; s++) {
                if (active[segParam[s]]) {
                    total += sums[2 * s];
                }
            }
            norm = Math.sqrt(total);
            if (!Double.isFinite(norm)) {
                return firstNonFiniteNorm();
            }
            float gradScale = (float) clipScale(maxGradNorm, norm);
            for (Coefficients c : coef) {
                c.gradScale = gradScale;
            }
        }
        pool.run(taskStart.length - 1, measureTask);
        for (int i = 0; i < params.length; i++) {
            if (!active[i]) {
                continue;
            }
            double sumP = 0;
            double sumS = 0;
            for (int s = paramFirstSeg[i]; s < paramFirstSeg[i + 1]; s++) {
                sumP += sums[2 * s];
                sumS += sums[2 * s + 1];
            }
            ratio[i] = ratio(coef[i], rules[i], sumP, sumS);
            if (Double.isNaN(ratio[i])) {
                return i;
            }
        }
        this.zeroGrads = zeroGrads;
        pool.run(taskStart.length - 1, applyTask);
        lastNorm = norm;
        return -1;
    }

    /** Tensor i's guarded, unclamped trust ratio in the last written step. */
    double ratio(int i) {
        return ratio[i];
    }

    /** The global gradient norm of the last written step, NaN when it did not clip. */
    double lastNorm() {
        return lastNorm;
    }

    /** torch.nn.utils.clip_grad_norm_'s factor: {@code min(1, maxNorm / (norm + 1e-6))}. */
    static double clipScale(double maxNorm, double norm) {
        return Math.min(1.0, maxNorm / (norm + 1e-6));
    }

    /** The first active tensor whose gradient makes the global norm non-finite. */
    private int firstNonFiniteNorm() {
        for (int s = 0; s < segParam.length; s++) {
            if (active[segParam[s]] && !Double.isFinite(sums[2 * s])) {
                return segParam[s];
            }
        }
        throw new IllegalStateException("non-finite gradient norm without a non-finite chunk");
    }

    private void measure(int task) {
        for (int s = taskStart[task]; s < taskStart[task + 1]; s++) {
            int i = segParam[s];
            if (active[i]) {
                measureRange(kernel, coef[i], params[i], moments.mHeap(i), moments.vHeap(i), moments.mDirect(i),
                        moments.vDirect(i), segFrom[s], segTo[s], sums, 2 * s);
            }
        }
    }

    private void norm(int task) {
        for (int s = taskStart[task]; s < taskStart[task + 1]; s++) {
            int i = segParam[s];
            if (active[i]) {
                sums[2 * s] = sumOfSquares(kernel, params[i], segFrom[s], segTo[s]);
            }
        }
    }

    private void apply(int task) {
        for (int s = taskStart[task]; s < taskStart[task + 1]; s++) {
            int i = segParam[s];
            if (active[i]) {
                applyRange(kernel, coef[i], params[i], moments.mHeap(i), moments.vHeap(i), moments.mDirect(i),
                        moments.vDirect(i), segFrom[s], segTo[s]);
                if (zeroGrads) {
                    params[i].zeroGrad(segFrom[s], segTo[s]);
                }
            }
        }
    }

    // ---- the pieces, shared with TensorStep: which memory a tensor lives on is tested once per range ----

    /** Pass one over one range of {@code p}; the moments are on p's kind of memory (the others null). */
    static void measureRange(Kernel kernel, Coefficients c, Param p, float[] m, float[] v, ByteBuffer mb,
                             ByteBuffer vb, int from, int to, double[] sums, int slot) {
        if (p.isDirect()) {
            kernel.measure(c, p.buffer(), p.gradBuffer(), mb, vb, from, to, sums, slot);
        } else {
            kernel.measure(c, p.data(), p.grad(), m, v, from, to, sums, slot);
        }
    }

    /** Pass two over one range of {@code p}. */
    static void applyRange(Kernel kernel, Coefficients c, Param p, float[] m, float[] v, ByteBuffer mb,
                           ByteBuffer vb, int from, int to) {
        if (p.isDirect()) {
            kernel.apply(c, p.buffer(), p.gradBuffer(), mb, vb, from, to);
        } else {
            kernel.apply(c, p.data(), p.grad(), m, v, from, to);
        }
    }

    /**
     * The sum of g^2 over one range of p's gradient in the canonical order, recomputed exactly in
     * double when the float lanes overflowed.
     */
    static double sumOfSquares(Kernel kernel, Param p, int from, int to) {
        double sum;
        if (p.isDirect()) {
            sum = kernel.sumOfSquares(p.gradBuffer(), from, to);
            if (sum == Double.POSITIVE_INFINITY) {
                sum = ScalarKernel.exactSumOfSquares(p.gradBuffer(), from, to);
            }
        } else {
            sum = kernel.sumOfSquares(p.grad(), from, to);
            if (sum == Double.POSITIVE_INFINITY) {
                sum = ScalarKernel.exactSumOfSquares(p.grad(), from, to);
            }
        }
        return sum;
    }

    /**
     * From a tensor's two sums: the guarded ratio before the clamp, with {@code c.scale} set to
     * {@code lr * clamp(ratio)} for pass two; NaN (and nothing set) when a sum is not finite, which
     * refuses the step.
     */
    static double ratio(Coefficients c, Rule rule, double sumP, double sumS) {
        if (!Double.isFinite(sumP) || !Double.isFinite(sumS)) {
            return Double.NaN;
        }
        double ratio = c.ratio.of(sumP, sumS);
        c.scale = (float) (rule.lr() * rule.clamp(ratio));
        return ratio;
    }

    /** The message detail naming the first non-finite gradient (or value) of {@code p}. */
    static String nonFiniteDetail(Param p) {
        for (int k = 0; k < p.size(); k++) {
            if (!Float.isFinite(p.gradAt(k))) {
                return "grad[" + k + "] = " + p.gradAt(k);
            }
            if (!Float.isFinite(p.get(k))) {
                return "parameter[" + k + "] = " + p.get(k);
            }
        }
        return "a parameter value is non-finite";
    }
}
