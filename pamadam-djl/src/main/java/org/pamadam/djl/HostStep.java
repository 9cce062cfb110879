package org.pamadam.djl;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import org.pamadam.kernel.Coefficients;
import org.pamadam.kernel.Kernel;
import org.pamadam.kernel.KernelProvider;
import org.pamadam.optim.NonFiniteGradientException;

/**
 * The CPU fast path: on DJL's PyTorch engine a contiguous float32 CPU tensor exposes its memory as a
 * direct buffer, so the core's fused kernel (the same code {@code org.pamadam.optim.Optimizer} runs)
 * can update it: copy p and g out with one memcpy each, run the kernel's two passes on heap moments,
 * copy p back. No maths lives here; it is the core kernel's.
 *
 * <p>Its cost against the core's own step is measured by {@code StepBenchmark} ({@code djl-pamadam}
 * against {@code pamadam}); see docs/benchmarks.md.
 */
final class HostStep {
    private static final String PYTORCH = "PyTorch";

    private final Kernel kernel = KernelProvider.get();
    private final double[] sums = new double[2];
    private float[] p = new float[0];
    private float[] g = new float[0];

    String kernelName() {
        return kernel.name();
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
     * One step of the prepared rule on {@code weight} in place. The gradient is multiplied by
     * {@code rescale} and clipped to [-clip, clip] when {@code clip > 0}, as on the NDArray path.
     *
     * @return the trust ratio used (1 when the rule has none)
     */
    double apply(String name, Coefficients c, org.pamadam.rule.Rule rule, NDArray weight, NDArray grad, float rescale, float clip,
                 float[] m, float[] v) {
        int n = Math.toIntExact(weight.size());
        if (p.length < n) {
            p = new float[n];
            g = new float[n];
        }
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
        kernel.measure(c, p, g, m, v, 0, n, sums, 0);
        if (!Double.isFinite(sums[0]) || !Double.isFinite(sums[1])) {
            // Pass one only reads: refusing here leaves the weight and its moments untouched.
            throw new NonFiniteGradientException(name, firstNonFinite(g, n));
        }
        double ratio = rule.trustRatio(sums[0], sums[1]);
        c.scale = (float) (rule.lr() * ratio);
        kernel.apply(c, p, g, m, v, 0, n);
        weightMemory.rewind();
        weightMemory.put(p, 0, n);
        return ratio;
    }

    private static String firstNonFinite(float[] g, int n) {
        for (int i = 0; i < n; i++) {
            if (!Float.isFinite(g[i])) {
                return "grad[" + i + "] = " + g[i];
            }
        }
        return "a weight value is non-finite";
    }
}
