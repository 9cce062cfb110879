package org.pamadam.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.util.Pair;
import java.util.List;
import org.pamadam.optim.NonFiniteGradientException;
import org.pamadam.optim.Optimizer;

/**
 * Global-norm clipping on the NDArray path (the host path clips inside the core step): the factor
 * {@code min(1, maxNorm / (norm + 1e-6))} of torch.nn.utils.clip_grad_norm_ (the core's
 * {@link Optimizer#clipScale}), computed once per step from every gradient of the step as the step
 * reads it (after rescale and element clipping), and then applied to each of them last, as the
 * core applies it.
 */
final class GlobalNormClip {
    private final double maxNorm;
    private float scale = 1f;
    private double lastNorm = Double.NaN;

    /** {@code maxNorm} +infinity: off. */
    GlobalNormClip(double maxNorm) {
        this.maxNorm = maxNorm;
    }

    boolean active() {
        return maxNorm != Double.POSITIVE_INFINITY;
    }

    /**
     * The step's global norm and factor from these (named) gradients, each read as
     * {@code clip(g / divisor * rescale)} (the divisor: micro-batches of an accumulation window); a non-finite norm is refused, before any update, naming the tensor.
     */
    void begin(List<Pair<String, NDArray>> gradients, float divisor, float rescale, float clip) {
        double sumSquares = 0;
        for (int i = 0; i < gradients.size(); i++) { // indexed: an empty list (all on the host path) allocates nothing
            Pair<String, NDArray> g = gradients.get(i);
            // Per-tensor norm in float32 or wider whatever the dtype, then the norm of the norms, as torch.
            NDArray read = NdStep.prepared(NdStep.wide(g.getValue()), divisor, rescale, clip);
            double norm;
            try (NDArray n = read.norm()) {
                norm = n.toType(DataType.FLOAT64, false).getDouble();
            } finally {
                if (read != g.getValue()) {
                    read.close();
                }
            }
            if (!Double.isFinite(norm)) {
                throw new NonFiniteGradientException(g.getKey(), "L2 norm of its gradient = " + norm
                        + " (global-norm clipping; no parameter of this step was updated)");
            }
            sumSquares += norm * norm;
        }
        lastNorm = Math.sqrt(sumSquares);
        scale = (float) Optimizer.clipScale(maxNorm, lastNorm);
    }

    /** This step's factor; 1 when off. */
    float scale() {
        return active() ? scale : 1f;
    }

    /** The last step's global norm before clipping, NaN before any. */
    double lastNorm() {
        return lastNorm;
    }
}
