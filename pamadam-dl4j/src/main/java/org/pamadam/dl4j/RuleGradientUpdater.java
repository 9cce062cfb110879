package org.pamadam.dl4j;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.GradientUpdater;
import org.pamadam.rule.Moments;

/**
 * The state views of one DL4J updater block under a {@link RuleUpdater}: m, v (Adam) and the counter
 * region, cut from the block's slice of the network's updater state. {@link NetworkStep} reads them
 * to step the block's tensors in place; DL4J's per-block {@link #applyUpdater} is refused, because a
 * block is not the whole step.
 */
final class RuleGradientUpdater implements GradientUpdater<RuleUpdater> {
    static final String M_STATE = "M";
    static final String V_STATE = "V";
    static final String COUNTS_STATE = "C";

    private final RuleUpdater config;
    private INDArray m;
    private INDArray v;
    private INDArray counts;

    RuleGradientUpdater(RuleUpdater config) {
        this.config = config;
    }

    @Override
    public RuleUpdater getConfig() {
        return config;
    }

    INDArray m() {
        return m;
    }

    /** Null for momentum rules. */
    INDArray v() {
        return v;
    }

    INDArray counts() {
        return counts;
    }

    @Override
    public void setState(Map<String, INDArray> stateMap, boolean initialize) {
        boolean adam = config.getMoments() == Moments.ADAM;
        if (stateMap == null || !stateMap.containsKey(M_STATE) || !stateMap.containsKey(COUNTS_STATE)
                || adam != stateMap.containsKey(V_STATE) || stateMap.size() != (adam ? 3 : 2)) {
            throw new IllegalStateException("RuleUpdater (" + config.getMoments() + ") state must hold exactly the keys "
                    + (adam ? "[M, V, C]" : "[M, C]") + ", got " + (stateMap == null ? null : stateMap.keySet()));
        }
        m = stateMap.get(M_STATE);
        v = adam ? stateMap.get(V_STATE) : null;
        counts = stateMap.get(COUNTS_STATE);
        if (initialize) {
            m.assign(0);
            counts.assign(0);
            if (v != null) {
                v.assign(0);
            }
        }
    }

    @Override
    public Map<String, INDArray> getState() {
        Map<String, INDArray> state = new HashMap<>();
        state.put(M_STATE, m);
        if (v != null) {
            state.put(V_STATE, v);
        }
        state.put(COUNTS_STATE, counts);
        return state;
    }

    @Override
    public void setStateViewArray(INDArray viewArray, long[] gradientShape, char gradientOrder, boolean initialize) {
        if (!viewArray.isVectorOrScalar()) {
            throw new IllegalArgumentException("RuleUpdater: the state view must be a vector, got shape "
                    + Arrays.toString(viewArray.shape()));
        }
        if (initialize) {
            viewArray.assign(0);
        }
        INDArray flat = viewArray.reshape(viewArray.length());
        long length = flat.length();
        long parts = config.getMoments() == Moments.ADAM ? 3 : 2;
        if (length % parts != 0) {
            throw new IllegalArgumentException("RuleUpdater: " + config.getMoments() + " state holds " + parts
                    + " regions of the block's size, so its length must be a multiple of " + parts + ", got " + length);
        }
        long n = length / parts;
        m = flat.get(NDArrayIndex.interval(0, n));
        v = parts == 3 ? flat.get(NDArrayIndex.interval(n, 2 * n)) : null;
        counts = flat.get(NDArrayIndex.interval((parts - 1) * n, length));
    }

    /**
     * Refused: pamadam-dl4j steps every tensor of the network at once. Reached when a network with
     * {@link RuleUpdater}s trains without {@link Dl4jOptimizers#attach} (after {@code init()}, and
     * again after a restore).
     */
    @Override
    public void applyUpdater(INDArray gradient, int iteration, int epoch) {
        throw new IllegalStateException("RuleUpdater: this network's PAMAdam-family step is not attached. "
                + "Call Dl4jOptimizers.attach(net) after net.init() (and again on a restored network): the "
                + "step covers every tensor at once, for global-norm clipping and all-or-nothing refusal, "
                + "so DL4J's per-block updater call cannot run it");
    }
}
