package org.pamadam.optim;

/**
 * Gradient accumulation: {@code k} micro-batches make one optimizer step, whose gradient is the sum
 * of the micro-batch gradients divided by {@code k}, as in the usual torch loop that divides each
 * micro-batch loss by k and steps every k-th backward pass.
 *
 * <p><b>The divisor is always k</b>, the one rule of this class: a micro-batch without a gradient
 * for a tensor counts as zero for it, and a partial window ({@link #flush()} or
 * {@link #endWindow()}, e.g. at the end of an epoch whose length k does not divide) also divides
 * its sum by k, not by the micro-batches present. That is what the torch loop does with its last,
 * short window (each loss was already divided by k), so a run here and its torch twin take the same
 * steps; the short window's step is smaller, as there.
 *
 * <p>Why sum/k and not the sum: for a full window it is the gradient of one batch of size k*b, so
 * every hyperparameter keeps its meaning when k changes: {@code maxGradNorm} bounds the same norm,
 * L2 weight decay ({@code g += wd*p}) keeps its weight relative to the gradient, and Adam's
 * {@code eps} and SGD's lr see the same gradient scale. (The trust ratio and Adam's step are nearly
 * scale-free, so the sum would mostly change them through eps.)
 *
 * <p>Step counts, learning-rate schedules, trust ratios and clamp counts all count optimizer steps,
 * never micro-batches: the optimizer sees one step per window.
 *
 * <p>Use: set each tensor's gradient for the micro-batch (null: none in this micro-batch) and call
 * {@link #step()} once per micro-batch. A tensor that has no gradient in any micro-batch of a window
 * is skipped in that step, like {@code p.grad is None}. The caller's gradient arrays are never
 * written; each tensor with a gradient gets one extra buffer.
 *
 * <p>An adapter that keeps its own per-tensor step (no {@link Optimizer}) builds one with
 * {@link #Accumulation(int, int[])} and uses the per-tensor calls: {@link #add(int, float[])} for each
 * tensor, {@link #endMicroBatch()} (or {@link #endWindow()} for a partial window), and once it returns
 * true {@link #mean(int)} for each tensor.
 *
 * <p>Windows and checkpoints: a checkpoint holds no partial window. Save after a {@link #step()} that
 * returned true or after {@link #flush()}.
 */
public final class Accumulation {
    /** Null for the per-tensor use of an adapter. */
    private final Optimizer optimizer;
    private final Param[] params;
    private final String[] names;
    private final int[] sizes;
    private final int k;
    private final float[][] sum;
    private final boolean[] seen;
    /** The caller's gradients, put back after the step: the optimizer reads the means instead. */
    private final float[][] saved;
    private int pending;

    /** Accumulates {@code k} micro-batches (k >= 1; 1 steps on every call) per step of {@code optimizer}. */
    public Accumulation(Optimizer optimizer, int k) {
        this(optimizer, optimizer.params().toArray(new Param[0]), k);
    }

    /** Per-tensor accumulation for an adapter: tensors of these sizes, k micro-batches per step. */
    public Accumulation(int k, int[] sizes) {
        this(null, null, k, sizes.clone());
    }

    private Accumulation(Optimizer optimizer, Param[] params, int k) {
        this(optimizer, params, k, java.util.Arrays.stream(params).mapToInt(Param::size).toArray());
    }

    private Accumulation(Optimizer optimizer, Param[] params, int k, int[] sizes) {
        checkK(k);
        this.optimizer = optimizer;
        this.params = params;
        this.k = k;
        this.sizes = sizes;
        this.names = new String[sizes.length];
        for (int i = 0; i < sizes.length; i++) {
            names[i] = params == null ? "tensor " + i : params[i].name();
        }
        this.sum = new float[sizes.length][];
        this.seen = new boolean[sizes.length];
        this.saved = new float[sizes.length][];
    }

    /** Refuses {@code k < 1} with a named error; returns k. */
    public static int checkK(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("accumulate must be >= 1 micro-batches per step, got " + k);
        }
        return k;
    }

    /** Micro-batches per optimizer step. */
    public int k() {
        return k;
    }

    /** Micro-batches collected in the current window (0 right after a step). */
    public int pending() {
        return pending;
    }

    /**
     * Adds every tensor's current gradient to the window; on the k-th micro-batch steps the optimizer
     * with the means and starts a new window.
     *
     * @return true when this call ran an optimizer step (which may still have been skipped under
     *     {@link NonFinitePolicy#SKIP_STEP}: see {@link Optimizer#skippedSteps()})
     * @throws NonFiniteGradientException under {@link NonFinitePolicy#REFUSE}; the window is
     *     dropped, the optimizer unchanged
     */
    public boolean step() {
        requireOptimizer();
        for (int i = 0; i < params.length; i++) {
            add(i, params[i].grad());
        }
        if (!endMicroBatch()) {
            return false;
        }
        stepWithMeans();
        return true;
    }

    /**
     * Steps with the micro-batches collected so far, their sum divided by k (see the class comment),
     * e.g. at the end of an epoch whose length k does not divide. Returns false (nothing done) when
     * the window is empty.
     */
    public boolean flush() {
        requireOptimizer();
        if (!endWindow()) {
            return false;
        }
        stepWithMeans();
        return true;
    }

    /**
     * Ends a partial window (per-tensor use: then take {@link #mean(int)} of every tensor and step).
     * Returns false, doing nothing, when no micro-batch is pending.
     */
    public boolean endWindow() {
        if (pending == 0) {
            return false;
        }
        pending = 0;
        return true;
    }

    /**
     * Ends a micro-batch (after {@link #add} for its tensors). Returns true when the window is full:
     * then take {@link #mean(int)} of every tensor and step.
     */
    public boolean endMicroBatch() {
        pending++;
        if (pending < k) {
            return false;
        }
        pending = 0;
        return true;
    }

    /** Adds one micro-batch's gradient of tensor {@code index} (optimizer order; null: none). */
    public void add(int index, float[] grad) {
        if (grad == null) {
            return;
        }
        if (grad.length != sizes[index]) {
            throw new IllegalArgumentException("gradient for '" + names[index] + "' has " + grad.length
                    + " elements, expected " + sizes[index]);
        }
        if (sum[index] == null) {
            sum[index] = new float[sizes[index]];
        }
        float[] s = sum[index];
        if (!seen[index]) {
            System.arraycopy(grad, 0, s, 0, s.length);
            seen[index] = true;
        } else {
            for (int j = 0; j < s.length; j++) {
                s[j] += grad[j];
            }
        }
    }

    /**
     * Ends the window for tensor {@code index}: its gradient over the window, the sum divided by k
     * (in the buffer, which stays this object's), or null when it had none. Then clears its slot.
     */
    public float[] mean(int index) {
        if (!seen[index]) {
            return null;
        }
        seen[index] = false;
        float[] s = sum[index];
        if (k != 1) {
            float n = k;
            for (int j = 0; j < s.length; j++) {
                s[j] /= n;
            }
        }
        return s;
    }

    private void requireOptimizer() {
        if (optimizer == null) {
            throw new IllegalStateException("this accumulation has no optimizer: use add/endMicroBatch/mean");
        }
    }

    /** Steps with the window just ended ({@code pending} is already 0). */
    private void stepWithMeans() {
        for (int i = 0; i < params.length; i++) {
            saved[i] = params[i].grad();
            params[i].setGrad(mean(i));
        }
        try {
            optimizer.step();
        } finally {
            for (int i = 0; i < params.length; i++) {
                params[i].setGrad(saved[i]);
                saved[i] = null;
            }
        }
    }
}
