package org.pamadam.dl4j;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.pamadam.optim.NonFiniteGradientException;

/**
 * Global gradient-norm clipping for a DL4J network, with {@code torch.nn.utils.clip_grad_norm_}
 * semantics over every parameter of the step that a {@link RuleUpdater} trains: the gradients are
 * multiplied by {@code min(1, maxNorm / (norm + 1e-6))}, where {@code norm} is their joint L2 norm,
 * summed in double.
 *
 * <p>A training listener, because DL4J calls {@code onGradientCalculation} after backpropagation and
 * before the updater (and before pre-updater L2 decay, as torch clips before the optimizer adds it);
 * updaters see one block at a time and could not know the global norm. Add it with
 * {@code net.addListeners(new GlobalNormClipping(1.0))}; it is runtime configuration, not saved by
 * {@code ModelSerializer}, so add it again to a restored network. Parameters with another updater (a
 * batch-norm layer's running mean and variance, whose "gradients" are DL4J's running-average
 * updates) are neither counted nor scaled.
 *
 * <p>DL4J's gradient buffer becomes the update anyway, so the gradients are scaled in place (one read
 * for the norm and one read-write for the scale, only when it is below 1). A non-finite norm is refused
 * with {@link NonFiniteGradientException} before anything is written, as {@link RuleUpdater} does.
 */
public final class GlobalNormClipping extends BaseTrainingListener implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    private final double maxNorm;
    private volatile double lastNorm = Double.NaN;

    /** @throws IllegalArgumentException unless {@code maxNorm} is a finite number > 0 */
    public GlobalNormClipping(double maxNorm) {
        if (!(maxNorm > 0.0 && maxNorm < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("GlobalNormClipping: maxGradNorm must be a finite number > 0, got "
                    + maxNorm);
        }
        this.maxNorm = maxNorm;
    }

    public double maxNorm() {
        return maxNorm;
    }

    /** The global norm of the last step's gradients before clipping (NaN before the first). */
    public double lastNorm() {
        return lastNorm;
    }

    @Override
    public void onGradientCalculation(Model model) {
        lastNorm = clip(maxNorm, gradients(model));
    }

    /** The gradient views of every parameter of {@code model} that a {@link RuleUpdater} trains. */
    static List<INDArray> gradients(Model model) {
        Layer[] layers = model instanceof MultiLayerNetwork ? ((MultiLayerNetwork) model).getLayers()
                : model instanceof ComputationGraph ? ((ComputationGraph) model).getLayers() : null;
        if (layers == null) {
            throw new IllegalArgumentException("GlobalNormClipping: a MultiLayerNetwork or ComputationGraph, got "
                    + model.getClass().getName());
        }
        Map<String, INDArray> grads = model.gradient().gradientForVariable();
        List<INDArray> out = new ArrayList<>();
        for (int i = 0; i < layers.length; i++) {
            Layer layer = layers[i];
            String prefix = model instanceof MultiLayerNetwork ? i + "_" : layer.getConfig().getLayerName() + "_";
            for (String param : layer.paramTable(false).keySet()) {
                INDArray g = grads.get(prefix + param);
                if (g != null && layer.getConfig().getUpdaterByParam(param) instanceof RuleUpdater) {
                    out.add(g);
                }
            }
        }
        return out;
    }

    /**
     * Multiplies every gradient by {@code min(1, maxNorm / (norm + 1e-6))} in place and returns
     * {@code norm}, their joint L2 norm before clipping.
     *
     * @throws NonFiniteGradientException when the norm is not finite; nothing written
     */
    public static double clip(double maxNorm, List<INDArray> grads) {
        double sum = 0;
        for (INDArray g : grads) {
            sum += sumOfSquares(g);
        }
        double norm = Math.sqrt(sum);
        if (!Double.isFinite(norm)) {
            throw new NonFiniteGradientException("global gradient norm", "sum of squares " + sum);
        }
        double scale = Math.min(1.0, maxNorm / (norm + 1e-6));
        if (scale < 1.0) {
            for (INDArray g : grads) {
                g.muli((float) scale);
            }
        }
        return norm;
    }

    private static double sumOfSquares(INDArray g) {
        INDArray[] work = FloatBlocks.contiguous("GlobalNormClipping", g);
        FloatBuffer b = FloatBlocks.buffer(work[0]);
        int start = b.position();
        float[] chunk = FloatBlocks.scratch()[0];
        int n = (int) g.length();
        double s0 = 0;
        double s1 = 0;
        for (int off = 0; off < n; off += FloatBlocks.CHUNK) {
            int len = Math.min(FloatBlocks.CHUNK, n - off);
            b.get(start + off, chunk, 0, len);
            int i = 0;
            for (; i + 1 < len; i += 2) {
                s0 += (double) chunk[i] * chunk[i];
                s1 += (double) chunk[i + 1] * chunk[i + 1];
            }
            if (i < len) {
                s0 += (double) chunk[i] * chunk[i];
            }
        }
        return s0 + s1;
    }
}
