package org.pamadam.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.List;

/**
 * A bound block's accumulation window ({@code optAccumulate}): counts the micro-batches (one per
 * {@code Trainer.step()}) and knows when the window ends and how many it held; at its end gathers
 * the block's parameters that have a gradient, each on its path: the host path's states, pointed at
 * their weights' own gradients, and the NDArray path's gradients. The lists are kept and refilled,
 * so a window allocates nothing once its host tensors' gradients are bound. Not thread-safe.
 */
final class BoundWindow {
    private final int accumulate;
    /** Micro-batches in the window so far; the window's size when it ends. */
    private int microBatches;
    private int size = 1;
    /** Whether the step in progress ends the window (then it updates). */
    private boolean ends = true;
    /** The states of the window being stepped: all, on the host path, and the NDArray path's gradients. */
    private final List<ParamState> all = new ArrayList<>();
    private final List<ParamState> host = new ArrayList<>();
    private final List<Pair<String, NDArray>> nd = new ArrayList<>();

    BoundWindow(int accumulate) {
        this.accumulate = accumulate;
    }

    /**
     * One more micro-batch (the first update of a {@code Trainer.step()}); returns whether it ends
     * the window, whose {@link #size} is then the micro-batches it held.
     */
    boolean addMicroBatch() {
        microBatches++;
        ends = microBatches == accumulate;
        if (ends) {
            size = microBatches;
            microBatches = 0;
        }
        return ends;
    }

    /**
     * {@link RuleOptimizer#flush}: ends the window at the micro-batches so far, its {@link #size};
     * false (nothing changed) when it holds none. {@link #flushed} follows once its step is done.
     */
    boolean endEarly() {
        if (microBatches == 0) {
            return false;
        }
        size = microBatches;
        microBatches = 0;
        return true;
    }

    /** After a flushed window's step: the next update starts with a window just ended, as after a full one. */
    void flushed() {
        ends = true;
    }

    /** The window's micro-batches ({@code optAccumulate}; 1: every step updates). */
    int accumulate() {
        return accumulate;
    }

    /** Whether the step in progress ends the window. */
    boolean ends() {
        return ends;
    }

    /** The micro-batches of the window that ended last (its gradients' divisor). */
    int size() {
        return size;
    }

    /**
     * Gathers the block's parameters with a gradient into {@link #all}, {@link #host} (their own
     * gradients bound as views) and {@link #nd}; states are made at a parameter's first window.
     *
     * @param oneNorm global-norm clipping is on: one norm over the step needs every parameter on one path
     * @throws IllegalStateException with {@code oneNorm}, when the block has parameters on both paths
     */
    void gather(BoundBlock block, StateStore store, boolean oneNorm) {
        all.clear();
        host.clear();
        nd.clear();
        for (Parameter param : block.parameters()) {
            NDArray w = param.isInitialized() ? param.getArray() : null;
            if (w == null || !param.requiresGradient() || !w.hasGradient()) {
                continue;
            }
            ParamState s = store.obtain(param.getId(), block.nameOf(param.getId()), w);
            all.add(s);
            if (s.host) {
                HostStep.bindOwnGradient(s, w);
                host.add(s);
            } else {
                s.weight = w;
                nd.add(new Pair<>(s.name, w.getGradient()));
            }
        }
        if (oneNorm && !host.isEmpty() && !nd.isEmpty()) {
            throw new IllegalStateException("optMaxGradNorm: the block has parameters on both paths (host: "
                    + host.get(0).name + ", NDArray ops: " + nd.get(0).getKey() + "); one global norm"
                    + " needs one path: use optHostKernel(false)");
        }
    }

    /** Every state of the last gathered window (a list reused by the next window). */
    List<ParamState> all() {
        return all;
    }

    /** The last gathered window's states on the host path. */
    List<ParamState> host() {
        return host;
    }

    /** The last gathered window's NDArray-path gradients, named by parameter path. */
    List<Pair<String, NDArray>> nd() {
        return nd;
    }
}
