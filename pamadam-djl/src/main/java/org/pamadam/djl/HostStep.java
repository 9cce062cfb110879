package org.pamadam.djl;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import org.pamadam.optim.Param;
import org.pamadam.optim.TensorStep;

/**
 * The CPU fast path: on DJL's PyTorch engine a contiguous float32 CPU tensor exposes its memory as a
 * direct buffer, so the core's fused kernel (the same code {@code org.pamadam.optim.Optimizer} runs)
 * can update it: copy p and g out with one memcpy each, run the core's {@link TensorStep} on heap
 * moments, copy p back. No maths lives here; it is the core's.
 *
 * <p>Its cost against the core's own step is measured by {@code StepBenchmark} ({@code djl-pamadam}
 * against {@code pamadam}); see docs/benchmarks.md.
 */
final class HostStep {
    private static final String PYTORCH = "PyTorch";

    private final TensorStep step = new TensorStep();

    String kernelName() {
        return step.kernelName();
    }

    /**
     * Whether {@code weight} can be updated through its memory: PyTorch engine (eager, so a CPU
     * tensor's memory holds its current value), CPU, float32, and a direct buffer that really
     * aliases the tensor. The last is probed: PyTorch hands out a contiguous copy for a
     * non-contiguous tensor, so one element is flipped through one buffer and looked for through a
     * second, then restored bit for bit. Temporaries land in the caller's scope.
     */
    static boolean eligible(NDArray weight) {
        long size = weight.size();
        if (size == 0 || size > Integer.MAX_VALUE - 8
                || !PYTORCH.equals(weight.getManager().getEngine().getEngineName())
                || !Device.cpu().equals(weight.getDevice())
                || weight.getDataType() != DataType.FLOAT32
                || weight.isSparse()) {
            return false;
        }
        ByteBuffer first = weight.toByteBuffer(true);
        ByteBuffer second = weight.toByteBuffer(true);
        if (!first.isDirect() || !second.isDirect() || first.capacity() != size * Float.BYTES
                || second.capacity() != size * Float.BYTES) {
            return false;
        }
        int bits = first.getInt(0);
        first.putInt(0, ~bits);
        boolean alias = second.getInt(0) == ~bits;
        first.putInt(0, bits);
        return alias;
    }

    /**
     * One step of {@code rule} (step count {@code t}) on {@code weight} in place. The gradient is
     * multiplied by {@code rescale} and clipped to [-clip, clip] when {@code clip > 0}, as on the
     * NDArray path, and read by the core as {@code g * gradScale} (global-norm clipping).
     *
     * @return the trust ratio used (1 when the rule has none)
     */
    double apply(String name, org.pamadam.rule.Rule rule, long t, NDArray weight, NDArray grad, float rescale,
                 float clip, float gradScale, float[] m, float[] v) {
        int n = Math.toIntExact(weight.size());
        float[] p = new float[n];
        float[] g = new float[n];
        FloatBuffer weightMemory = weight.toByteBuffer(true).asFloatBuffer();
        weightMemory.get(p, 0, n);
        NDArray gradient = grad.getDataType() == DataType.FLOAT32 ? grad : grad.toType(DataType.FLOAT32, false);
        gradient.toByteBuffer(true).asFloatBuffer().get(g, 0, n);
        if (rescale != 1f) {
            for (int i = 0; i < n; i++) {
                g[i] *= rescale;
            }
        }
        if (clip > 0f) {
            for (int i = 0; i < n; i++) {
                g[i] = Math.max(-clip, Math.min(clip, g[i]));
            }
        }
        Param param = Param.of(name, p);
        param.setGrad(g);
        // Refused before anything is written: the weight and its moments stay untouched.
        double ratio = step.step(rule, t, param, m, v, gradScale);
        weightMemory.rewind();
        weightMemory.put(p, 0, n);
        return rule.clamp(ratio);
    }
}
