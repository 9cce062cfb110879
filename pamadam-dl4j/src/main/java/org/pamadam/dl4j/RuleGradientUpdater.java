package org.pamadam.dl4j;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;
import org.pamadam.optim.NonFiniteGradientException;
import org.pamadam.optim.Param;
import org.pamadam.optim.NonFinitePolicy;
import org.pamadam.rule.Moments;
import org.pamadam.rule.Rule;

/**
 * Runs {@link RuleUpdater}'s step over one DL4J updater block with the core's fused kernel, chunk by
 * chunk over the float32 buffers: the gradient becomes {@code lr * step}; m and v are updated in
 * place. One pass over g, m and v, as ND4J's own Adam op, after a read-only pass that refuses a
 * non-finite gradient (the core's {@link NonFinitePolicy#REFUSE}) before anything is written.
 */
final class RuleGradientUpdater implements GradientUpdater<RuleUpdater> {
    static final String M_STATE = "M";
    static final String V_STATE = "V";

    private final RuleUpdater config;
    private final Rule rule;
    private final org.pamadam.optim.TensorStep step = new org.pamadam.optim.TensorStep();
    private INDArray m;
    private INDArray v;

    RuleGradientUpdater(RuleUpdater config) {
        this.config = config;
        this.rule = config.stepRule();
    }

    @Override
    public RuleUpdater getConfig() {
        return config;
    }

    @Override
    public void setState(Map<String, INDArray> stateMap, boolean initialize) {
        boolean adam = rule.moments() == Moments.ADAM;
        if (stateMap == null || !stateMap.containsKey(M_STATE) || adam != stateMap.containsKey(V_STATE)
                || stateMap.size() != (adam ? 2 : 1)) {
            throw new IllegalStateException("RuleUpdater (" + rule.moments() + ") state must hold exactly the keys "
                    + (adam ? "[M, V]" : "[M]") + ", got " + (stateMap == null ? null : stateMap.keySet()));
        }
        m = stateMap.get(M_STATE);
        v = adam ? stateMap.get(V_STATE) : null;
        if (initialize) {
            m.assign(0);
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
        if (rule.moments() == Moments.ADAM) {
            if (length % 2 != 0) {
                throw new IllegalArgumentException("RuleUpdater: Adam state holds m and v, so its length must be even, got "
                        + length);
            }
            m = flat.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, length / 2));
            v = flat.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(length / 2, length));
        } else {
            m = flat;
            v = null;
        }
    }

    @Override
    public void applyUpdater(INDArray gradient, int iteration, int epoch) {
        if (m == null) {
            throw new IllegalStateException("RuleUpdater: state not initialised (no state view set)");
        }
        if (gradient.length() != m.length()) {
            throw new IllegalArgumentException("RuleUpdater: gradient has " + gradient.length()
                    + " elements but the updater state covers " + m.length());
        }
        // The core step on p = 0 under the rule (no ratio, no decay) at this lr writes p' = -(lr*step)
        // exactly; its negation is the update, the product the core forms for an unscaled tensor.
        Rule lrRule = rule.toBuilder().lr(config.getLearningRate(iteration, epoch)).build();
        long t = (long) iteration + 1;
        boolean adam = v != null;
        INDArray[] arrays = adam ? new INDArray[] {gradient, m, v} : new INDArray[] {gradient, m};
        INDArray[] work = FloatBlocks.contiguous("RuleUpdater", arrays);
        FloatBuffer gb = FloatBlocks.buffer(work[0]);
        FloatBuffer mb = FloatBlocks.buffer(work[1]);
        FloatBuffer vb = adam ? FloatBlocks.buffer(work[2]) : null;
        int g0 = gb.position();
        int m0 = mb.position();
        int v0 = adam ? vb.position() : 0;
        float[][] s = FloatBlocks.scratch();
        float[] p = s[0];
        float[] g = s[1];
        float[] mc = s[2];
        float[] vc = s[3];
        int n = (int) gradient.length();
        refuseNonFinite(gb, g0, g, n, gradient.offset());
        for (int off = 0; off < n; off += FloatBlocks.CHUNK) {
            int len = Math.min(FloatBlocks.CHUNK, n - off);
            gb.get(g0 + off, g, 0, len);
            mb.get(m0 + off, mc, 0, len);
            if (adam) {
                vb.get(v0 + off, vc, 0, len);
            }
            // Exact-length views of the scratch chunks (the core takes a tensor's arrays whole).
            float[] gc = len == g.length ? g : Arrays.copyOf(g, len);
            float[] mcc = len == mc.length ? mc : Arrays.copyOf(mc, len);
            float[] vcc = adam ? (len == vc.length ? vc : Arrays.copyOf(vc, len)) : null;
            float[] zero = new float[len];
            Param chunk = Param.of("DL4J updater block at flattened index " + (gradient.offset() + off), zero);
            chunk.setGrad(gc);
            step.step(lrRule, t, chunk, mcc, vcc, 1f);
            for (int i = 0; i < len; i++) {
                p[i] = -zero[i];
            }
            gb.put(g0 + off, p, 0, len);
            mb.put(m0 + off, mcc, 0, len);
            if (adam) {
                vb.put(v0 + off, vcc, 0, len);
            }
        }
        FloatBlocks.writeBack(arrays, work, adam ? new int[] {0, 1, 2} : new int[] {0, 1});
    }

    /**
     * Throws {@link NonFiniteGradientException} when the block's gradient holds NaN or an infinity,
     * before m, v or the update are written: without it NaN would flow into m, v and then the weights,
     * and training would go on silently. DL4J gives an updater neither tensor names nor a way to skip
     * one step, so only the refusal policy exists here; the element is named by its index in the
     * network's flattened gradient ({@code offset} is where this block starts there), which
     * {@link Dl4jOptimizers#tensorAt} turns into a parameter name.
     */
    private static void refuseNonFinite(FloatBuffer gb, int g0, float[] g, int n, long offset) {
        for (int off = 0; off < n; off += FloatBlocks.CHUNK) {
            int len = Math.min(FloatBlocks.CHUNK, n - off);
            gb.get(g0 + off, g, 0, len);
            float probe = 0f;
            for (int i = 0; i < len; i++) {
                probe += g[i] * 0f; // NaN exactly when some g[i] is NaN or infinite
            }
            if (probe != 0f) {
                for (int i = 0; i < len; i++) {
                    if (!Float.isFinite(g[i])) {
                        long k = offset + off + i;
                        throw new NonFiniteGradientException("DL4J updater block of " + n + " values at flattened "
                                + "index " + offset, "flattened gradient[" + k + "] = " + g[i]);
                    }
                }
            }
        }
    }
}
