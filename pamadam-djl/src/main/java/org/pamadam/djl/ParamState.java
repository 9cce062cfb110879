package org.pamadam.djl;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import org.pamadam.optim.Optimizer;
import org.pamadam.optim.Param;

/**
 * One parameter's optimizer state on one device (DJL keeps a mirror per device), on one of two
 * paths fixed at its first update:
 * <ul>
 *   <li>host: a core {@link Param} that views the PyTorch CPU tensor's own memory, stepped by a
 *       core {@link Optimizer} ({@link #core}) that holds its moments off-heap, its step count,
 *       last ratio and clamp count;</li>
 *   <li>NDArray: moments, the last ratio and the clamp and skip counters as arrays on the
 *       parameter's device, and the step count here.</li>
 * </ul>
 */
final class ParamState {
    /** DJL's parameter id: the key DJL's {@code update} calls and the telemetry use. */
    final String id;
    /** The name messages and the core use: the parameter's path in the bound block, else its id. */
    final String name;
    final Device device;
    final Shape shape;
    final boolean adapt;
    final boolean host;
    /** The optimizer step in which this state last took part (step detection), 0 for none. */
    long stamp;
    /** The same parameter's state on the next device DJL updated it on, or null. */
    ParamState nextDevice;

    // ---- host path ----
    /** The core optimizer stepping {@link #param}: shared over the step's parameters, or its own. */
    Optimizer core;
    /** Its own host step, for per-tensor steps (no bound block, no declared step), or null. */
    HostStep solo;
    Param param;
    /** The tensor {@link #param} views; a different array for this parameter means new memory. */
    NDArray weight;
    /** The weight's own gradient (a handle kept across steps) and a view of its memory, or null. */
    NDArray ownGrad;
    ByteBuffer ownGradView;
    /** The caller's gradient array last viewed, and its view (explicit steps). */
    NDArray givenGrad;
    ByteBuffer givenGradView;
    /** The array given before that, and its view: an array is only viewed again when it is neither. */
    NDArray otherGrad;
    ByteBuffer otherGradView;
    /** Off-heap copy of the gradient when it must be changed (rescale, clip) but is not ours to write. */
    ByteBuffer scratch;

    // ---- NDArray path ----
    NDArray m;
    NDArray v;
    /** The last trust ratio (0-d, on the device), or null for ratio 1. */
    NDArray ratio;
    /** Steps whose ratio the rule's maxRatio lowered, and steps skipped for a non-finite gradient (0-d, float32). */
    NDArray clamps;
    NDArray skips;
    long steps;

    ParamState(String id, String name, Device device, Shape shape, boolean adapt, boolean host, long steps) {
        this.id = id;
        this.name = name;
        this.device = device;
        this.shape = shape;
        this.adapt = adapt;
        this.host = host;
        this.steps = steps;
    }

    /** The core tensor shape of this parameter. */
    int[] dims() {
        long[] dims = shape.getShape();
        int[] out = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            out[i] = Math.toIntExact(dims[i]);
        }
        return out;
    }

    /** This parameter's own step count (bias correction's t). */
    long stepCount() {
        return host ? core.stepCount(name) : steps;
    }
}
