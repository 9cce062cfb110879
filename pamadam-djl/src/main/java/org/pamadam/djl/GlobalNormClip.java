package org.pamadam.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.pamadam.optim.NonFiniteGradientException;
import org.pamadam.optim.Optimizer;

/**
 * Global-norm clipping for a DJL optimizer, which DJL calls once per parameter with no start-of-step
 * hook: the factor {@code min(1, maxNorm / (norm + 1e-6))} of torch.nn.utils.clip_grad_norm_ (the
 * core's {@link Optimizer#clipScale}) is computed from every gradient of the step before the step's
 * first update, and the same factor is then used for each parameter of that step.
 *
 * <p>A step starts when a parameter is updated a second time (or at the very first update). The
 * gradients come from the bound block ({@link #bind}) or from an explicit {@link #begin} before each
 * step; with neither, clipping refuses rather than silently using a stale factor.
 */
final class GlobalNormClip {
    private final double maxNorm;
    private final Set<String> updatedThisStep = new HashSet<>();
    private Block bound;
    private boolean begun;
    private float scale = 1f;
    private double lastNorm = Double.NaN;

    /** {@code maxNorm} +infinity: off. */
    GlobalNormClip(double maxNorm) {
        this.maxNorm = maxNorm;
    }

    boolean active() {
        return maxNorm != Double.POSITIVE_INFINITY;
    }

    void bind(Block block) {
        this.bound = block;
    }

    /** The step's global norm and factor from these (named) gradients; refuses a non-finite norm. */
    void begin(List<Pair<String, NDArray>> gradients) {
        double sumSquares = 0;
        for (Pair<String, NDArray> g : gradients) {
            // Per-tensor norm in float32 or wider whatever the dtype, then the norm of the norms, as torch.
            NDArray grad = g.getValue();
            double norm = (grad.getDataType() == DataType.FLOAT64 ? grad : grad.toType(DataType.FLOAT32, false))
                    .norm().toType(DataType.FLOAT64, false).getDouble();
            if (!Double.isFinite(norm)) {
                throw new NonFiniteGradientException(g.getKey(), "L2 norm of its gradient = " + norm
                        + " (global-norm clipping; no parameter of this step was updated)");
            }
            sumSquares += norm * norm;
        }
        lastNorm = Math.sqrt(sumSquares);
        scale = (float) Optimizer.clipScale(maxNorm, lastNorm);
        updatedThisStep.clear();
        begun = true;
    }

    /** The factor for this update of {@code parameterId}, starting a new step where one begins. */
    float scaleFor(String parameterId) {
        if (!active()) {
            return 1f;
        }
        if (!begun || updatedThisStep.contains(parameterId)) {
            if (bound == null) {
                throw new IllegalStateException("optMaxGradNorm: the global norm needs every gradient of the step;"
                        + " call bind(block) once, or beginStep(gradients) before every step");
            }
            begin(gradientsOf(bound));
        }
        updatedThisStep.add(parameterId);
        return scale;
    }

    /** The last step's global norm before clipping, NaN before any. */
    double lastNorm() {
        return lastNorm;
    }

    private static List<Pair<String, NDArray>> gradientsOf(Block block) {
        List<Pair<String, NDArray>> out = new ArrayList<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            NDArray array = p.getValue().isInitialized() ? p.getValue().getArray() : null;
            if (p.getValue().requiresGradient() && array != null && array.hasGradient()) {
                out.add(new Pair<>(p.getKey(), array.getGradient()));
            }
        }
        return out;
    }
}
