package org.pamadam.dl4j;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.pamadam.optim.NonFiniteGradientException;
import org.pamadam.optim.Optimizer;
import org.pamadam.optim.Param;
import org.pamadam.rule.Rule;

/**
 * The core {@link Optimizer}'s step over the tensors of a DL4J network, in place on ND4J's memory:
 * each parameter is a {@link Param} over its slice of the network's flattened parameters, its
 * gradient the matching slice of the flattened gradient (already divided by the minibatch size, as
 * the updater receives it), its m and v the tensor's part of its {@link RuleUpdater} block's state.
 * One step writes p', m and v exactly as the core does (the same kernels, chunks and sums) and leaves
 * the gradients as they were. DL4J's solver subtracts the update buffer from the parameters after its
 * updater; inside a network the attached updater replaces that subtraction by one over the other
 * updaters' ranges only ({@code RemainingUpdates}), or, where it cannot, calls {@link #zeroGradients()}
 * so that {@code p - 0} leaves p' bit for bit.
 *
 * <p>What the core gives, over the whole network at once: global-norm clipping with
 * {@code torch.nn.utils.clip_grad_norm_}'s semantics, all-or-nothing refusal of a non-finite
 * gradient (nothing written: no parameter, moment, count or gradient), per-tensor step counts for
 * bias correction, clamp counts and ratios, and the schedule read at the optimizer's count of steps.
 * The counts are kept in the counter region of the DL4J updater state (see {@link RuleUpdater}), so
 * the network saves them.
 *
 * <p>Accumulation ({@link Settings#accumulate}): each micro-batch's gradient is added to a per-tensor
 * off-heap sum and nothing else written; the k-th steps with sum / k, as the core's
 * {@code Accumulation} (first micro-batch copied, the others added in float, then divided by k).
 *
 * <p>Not thread-safe; DL4J calls its updater from one thread. Allocates nothing per step after the
 * first (a schedule that changes the learning rate builds one Rule per change).
 */
public final class NetworkStep implements AutoCloseable {
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    /** Read only, by absolute bulk puts: shared by every step. */
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(1 << 16);

    private final Tensor[] tensors;
    private final Param[] params;
    private final ByteBuffer[] gradMemory;
    private final int[] gradOffset;
    /** Native-order views of each tensor's gradient and counter slots. */
    private final ByteBuffer[] gradRegion;
    private final Counters counters;
    private final int[] groupOf;
    private final RuleUpdater[] groupConfig;
    private final double[] groupLr;
    private final Optimizer optimizer;
    private final int accumulate;
    private final MeanWindow window;
    private final int[] sizes;

    /**
     * One tensor: its parameter and gradient (same layout), its configuration, and its moments and
     * counter region (views of exactly the tensor's size; v null for momentum rules).
     */
    record Tensor(String name, INDArray param, INDArray grad, RuleUpdater config, INDArray m, INDArray v,
                  INDArray counts) {
    }

    /**
     * How the network steps.
     *
     * @param maxGradNorm global gradient-norm bound, as {@code clip_grad_norm_}; +infinity: none
     * @param accumulate  micro-batches (calls of {@code fit}) per optimizer step, on their sum / k
     * @param threads     threads of the core step (0: the core's default); results do not depend on it
     */
    public record Settings(double maxGradNorm, int accumulate, int threads) {
        public Settings {
            if (!(maxGradNorm > 0.0)) {
                throw new IllegalArgumentException("maxGradNorm must be > 0 (+Infinity for no clipping), got "
                        + maxGradNorm);
            }
            org.pamadam.optim.Accumulation.checkK(accumulate);
            if (threads < 0) {
                throw new IllegalArgumentException("threads must be >= 0 (0: the core's default), got " + threads);
            }
        }

        /** No clipping, no accumulation, the core's default threads. */
        public static Settings defaults() {
            return new Settings(Double.POSITIVE_INFINITY, 1, 0);
        }

        public Settings maxGradNorm(double maxGradNorm) {
            return new Settings(maxGradNorm, accumulate, threads);
        }

        public Settings accumulate(int accumulate) {
            return new Settings(maxGradNorm, accumulate, threads);
        }

        public Settings threads(int threads) {
            return new Settings(maxGradNorm, accumulate, threads);
        }
    }

    NetworkStep(List<Tensor> list, Settings settings) {
        int n = list.size();
        tensors = list.toArray(new Tensor[0]);
        params = new Param[n];
        gradMemory = new ByteBuffer[n];
        gradOffset = new int[n];
        gradRegion = new ByteBuffer[n];
        ByteBuffer[] countRegion = new ByteBuffer[n];
        groupOf = new int[n];
        List<RuleUpdater> configs = new ArrayList<>();
        List<List<Param>> members = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Tensor t = tensors[i];
            String what = "tensor '" + t.name() + "'";
            NdMemory.check(what + " (parameter)", t.param());
            NdMemory.check(what + " (gradient)", t.grad());
            NdMemory.checkSameLayout(what, t.param(), t.grad());
            int size = Math.toIntExact(t.param().length());
            params[i] = Param.ofBuffer(t.name(), new int[] {size}, NdMemory.buffer(t.param()),
                    NdMemory.offset(t.param()));
            gradMemory[i] = NdMemory.buffer(t.grad());
            gradOffset[i] = NdMemory.offset(t.grad());
            gradRegion[i] = gradMemory[i].slice(gradOffset[i] * Float.BYTES, size * Float.BYTES).order(NATIVE);
            NdMemory.check(what + " (counter region)", t.counts());
            countRegion[i] = NdMemory.buffer(t.counts()).slice(NdMemory.offset(t.counts()) * Float.BYTES,
                    size * Float.BYTES).order(NATIVE);
            int g = configs.indexOf(t.config());
            if (g < 0) {
                configs.add(t.config());
                members.add(new ArrayList<>());
                g = configs.size() - 1;
            }
            groupOf[i] = g;
            members.get(g).add(params[i]);
        }
        groupConfig = configs.toArray(new RuleUpdater[0]);
        groupLr = new double[groupConfig.length];
        Optimizer.Builder b = Optimizer.builder();
        for (int g = 0; g < groupConfig.length; g++) {
            groupLr[g] = groupConfig[g].getLearningRate(0, 0);
            b.group(groupConfig[g].rule(groupLr[g]), members.get(g));
        }
        for (int i = 0; i < n; i++) {
            Tensor t = tensors[i];
            NdMemory.check("tensor '" + t.name() + "' (m)", t.m());
            if (t.v() != null) {
                NdMemory.check("tensor '" + t.name() + "' (v)", t.v());
            }
            b.moments(params[i], NdMemory.buffer(t.m()), NdMemory.offset(t.m()),
                    t.v() == null ? null : NdMemory.buffer(t.v()), t.v() == null ? 0 : NdMemory.offset(t.v()));
        }
        if (settings.maxGradNorm() != Double.POSITIVE_INFINITY) {
            b.maxGradNorm(settings.maxGradNorm());
        }
        if (settings.threads() > 0) {
            b.threads(settings.threads());
        }
        optimizer = b.build();
        accumulate = settings.accumulate();
        window = new MeanWindow(n);
        sizes = new int[n];
        for (int i = 0; i < n; i++) {
            sizes[i] = params[i].size();
        }
        counters = new Counters(tensorNames().toArray(new String[0]), countRegion, optimizer);
        counters.load(optimizer);
    }

    /**
     * A step over arrays of the caller's own (no network): {@code params.get(i)} and
     * {@code grads.get(i)} are one tensor, named {@code "t" + i}, with fresh moments and counters.
     * {@link #step(int)} then steps them as a network's update does (call {@link #zeroGradients()} where
     * the update buffer is subtracted afterwards).
     */
    public static NetworkStep over(Rule rule, List<INDArray> params, List<INDArray> grads, Settings settings) {
        RuleUpdater config = new RuleUpdater(rule);
        List<Tensor> list = new ArrayList<>();
        for (int i = 0; i < params.size(); i++) {
            long n = params.get(i).length();
            INDArray state = org.nd4j.linalg.factory.Nd4j.create(org.nd4j.linalg.api.buffer.DataType.FLOAT,
                    config.stateSize(n));
            long m = config.momentSize(n);
            list.add(new Tensor("t" + i, params.get(i), grads.get(i), config,
                    state.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, n)),
                    m == 2 * n ? state.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(n, 2 * n)) : null,
                    state.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(m, m + n))));
        }
        return new NetworkStep(list, settings);
    }

    /**
     * Copies the optimizer state (m, v, step count, clamp count, last ratio) of every tensor that
     * {@code from} also steps, matched by name and size, into this network's updater state: how a
     * layer that was frozen is unfrozen (build the network anew, attach, copy from the frozen one's
     * step). A tensor {@code from} lacks keeps its own state (a fresh one: its count starts at 1).
     *
     * @return the names copied, in this step's order
     */
    public List<String> copyStateFrom(NetworkStep from) {
        List<String> copied = new ArrayList<>();
        for (Tensor t : tensors) {
            for (Tensor f : from.tensors) {
                if (f.name().equals(t.name()) && f.param().length() == t.param().length()
                        && (f.v() == null) == (t.v() == null)) {
                    t.m().assign(f.m());
                    if (t.v() != null) {
                        t.v().assign(f.v());
                    }
                    t.counts().assign(f.counts());
                    copied.add(t.name());
                }
            }
        }
        counters.load(optimizer);
        return copied;
    }

    /**
     * One micro-batch: the tensors' gradients (as the updater receives them) go into the step, or into
     * the accumulation window; the gradients are left as they were (see {@link #zeroGradients()}).
     * Returns true when the optimizer stepped.
     *
     * @throws NonFiniteGradientException when a gradient or value is not finite; nothing was written
     *     (with accumulation the window is dropped)
     */
    public boolean step(int epoch) {
        return step(epoch, null);
    }

    /**
     * As {@link #step(int)}, stepping only the tensors with {@code present[i]} (all when null), as
     * torch skips a parameter whose gradient is None: a replay's way. Not with accumulation.
     */
    boolean step(int epoch, boolean[] present) {
        if (present != null && accumulate != 1) {
            throw new IllegalStateException("a step over some tensors only is not offered with accumulation");
        }
        if (accumulate == 1) {
            for (int i = 0; i < params.length; i++) {
                if (present == null || present[i]) {
                    params[i].setGrad(gradMemory[i], gradOffset[i]);
                } else {
                    params[i].clearGrad();
                }
            }
            stepNow(epoch);
            return true;
        }
        window.add(gradRegion);
        if (window.pending() < accumulate) {
            return false;
        }
        stepWithMean(epoch);
        return true;
    }

    /**
     * Steps with the micro-batches of the open window, their sum divided by k as the core's
     * {@code Accumulation.flush} does, e.g. at the end of an epoch that k does not divide. Returns
     * false when the window is empty.
     */
    public boolean flush(int epoch) {
        if (window.pending() == 0) {
            return false;
        }
        stepWithMean(epoch);
        return true;
    }

    /** Micro-batches in the open accumulation window. */
    public int pending() {
        return window.pending();
    }

    private void stepWithMean(int epoch) {
        ByteBuffer[] means = window.close(sizes, accumulate);
        for (int i = 0; i < params.length; i++) {
            params[i].setGrad(means[i], 0);
        }
        stepNow(epoch);
    }

    private void stepNow(int epoch) {
        long position = optimizer.stepCount();
        for (int g = 0; g < groupConfig.length; g++) {
            if (groupConfig[g].getLearningRateSchedule() != null) {
                double lr = groupConfig[g].getLearningRate((int) Math.min(Integer.MAX_VALUE, position), epoch);
                if (lr != groupLr[g]) {
                    optimizer.setRule(g, groupConfig[g].rule(lr));
                    groupLr[g] = lr;
                }
            }
        }
        optimizer.step();
        counters.write(optimizer);
    }

    /**
     * Sets every tensor's gradient to +0: for a caller that subtracts the update buffer from the
     * parameters after {@link #step} (as DL4J's default solver does), so that the subtraction leaves
     * p'. Bulk copies from a block of zeros (a memset), allocating nothing.
     */
    public void zeroGradients() {
        for (ByteBuffer g : gradRegion) {
            int bytes = g.capacity();
            for (int k = 0; k < bytes; k += ZEROS.capacity()) {
                g.put(k, ZEROS, 0, Math.min(ZEROS.capacity(), bytes - k));
            }
        }
    }

    // ---- telemetry ----

    /** Optimizer steps taken: the schedules' position (micro-batches of a window count once). */
    public long stepCount() {
        return optimizer.stepCount();
    }

    /** This tensor's own step count: bias correction's t. Names are DL4J's gradient keys, e.g. {@code 0_W}. */
    public long stepCount(String name) {
        return optimizer.stepCount(name);
    }

    /** The trust ratio this tensor used in its last step (after the clamp; 1 without a ratio), NaN before any. */
    public double lastRatio(String name) {
        return optimizer.lastRatio(name);
    }

    /** name to last ratio, in the optimizer's order. */
    public Map<String, Double> lastRatios() {
        Map<String, Double> out = new LinkedHashMap<>();
        for (Tensor t : tensors) {
            out.put(t.name(), optimizer.lastRatio(t.name()));
        }
        return Collections.unmodifiableMap(out);
    }

    /** Steps of this tensor in which the rule's maxRatio lowered its ratio (saved with the network). */
    public long clampCount(String name) {
        return optimizer.clampCount(name);
    }

    /** The global gradient norm of the last step before clipping, NaN without clipping. */
    public double lastGradNorm() {
        return optimizer.lastGradNorm();
    }

    /** The tensors stepped, as DL4J's gradient keys, in network order. */
    public List<String> tensorNames() {
        List<String> out = new ArrayList<>();
        for (Tensor t : tensors) {
            out.add(t.name());
        }
        return out;
    }

    /** The core optimizer (for its state and kernel name). */
    public Optimizer optimizer() {
        return optimizer;
    }

    /** Stops the core's worker threads; the moments stay in DL4J's state. */
    @Override
    public void close() {
        optimizer.close();
    }
}
