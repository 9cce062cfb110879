package org.pamadam.optim;

/**
 * Gradient accumulation: {@code k} micro-batches make one optimizer step, whose gradient is the
 * mean of the micro-batch gradients ({@code sum / k}), as in the usual torch loop that divides each
 * micro-batch loss by k and steps every k-th backward pass.
 *
 * <p>Why the mean and not the sum: the mean of k micro-batches of size b is the gradient of one
 * batch of size k*b, so every hyperparameter keeps its meaning when k changes: {@code maxGradNorm}
 * bounds the same norm, L2 weight decay ({@code g += wd*p}) keeps its weight relative to the
 * gradient, and Adam's {@code eps} and SGD's lr see the same gradient scale. (The trust ratio and
 * Adam's step are nearly scale-free, so the sum would mostly change them through eps.)
 *
 * <p>Step counts, learning-rate schedules, trust ratios and clamp counts all count optimizer steps,
 * never micro-batches: the optimizer sees one step per window.
 *
 * <p>Use: set each tensor's gradient for the micro-batch (null: none in this micro-batch) and call
 * {@link #step()} once per micro-batch. A tensor that has no gradient in any micro-batch of a window
 * is skipped in that step, like {@code p.grad is None}; one that has a gradient in some of them
 * gets the sum of those divided by k (the missing ones count as zero, as in torch). The caller's
 * gradient arrays are never written; each tensor with a gradient gets one extra buffer.
 *
 * <p>An adapter that keeps its own per-tensor step (no {@link Optimizer}) builds one with
 * {@link #Accumulation(int, int[])} and uses the per-tensor calls: {@link #add(int, float[])} for each
 * tensor, {@link #endMicroBatch()}, and once it returns true {@link #mean(int)} for each tensor.
 *
 * <p>Windows and checkpoints: a checkpoint holds no partial window. Save after a {@link #step()} that
 * returned true or after {@link #flush()}, which steps with the micro-batches collected so far (their
 * mean: divided by how many there were) at, e.g., the end of an epoch.
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
     * Steps with the mean of the micro-batches collected so far (divided by {@link #pending()}, not
     * k), e.g. at the end of an epoch whose length k does not divide. Returns false (nothing done)
     * when the window is empty.
     */
    public boolean flush() {
        requireOptimizer();
        if (pending == 0) {
            return false;
        }
        stepWithMeans();
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
     * Ends the window for tensor {@code index}: its mean gradient over {@code divisor} micro-batches
     * (in the buffer, which stays this object's), or null when it had none. Then clears its slot.
     */
    public float[] mean(int index, int divisor) {
        if (!seen[index]) {
            return null;
        }
        seen[index] = false;
        float[] s = sum[index];
        if (divisor != 1) {
            float n = divisor;
            for (int j = 0; j < s.length; j++) {
                s[j] /= n;
            }
        }
        return s;
    }

    /** {@link #mean(int, int)} over a full window of k. */
    public float[] mean(int index) {
        return mean(index, k);
    }

    private void requireOptimizer() {
        if (optimizer == null) {
            throw new IllegalStateException("this accumulation has no optimizer: use add/endMicroBatch/mean");
        }
    }

    /** Steps with the means over the window just ended ({@code pending} is 0 after a full one). */
    private void stepWithMeans() {
        int divisor = pending == 0 ? k : pending;
        pending = 0;
        for (int i = 0; i < params.length; i++) {
            saved[i] = params[i].grad();
            params[i].setGrad(mean(i, divisor));
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
