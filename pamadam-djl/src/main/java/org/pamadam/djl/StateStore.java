package org.pamadam.djl;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.pamadam.optim.Param;
import org.pamadam.optim.Optimizer;
import org.pamadam.optim.OptimizerState;
import org.pamadam.rule.Moments;
import org.pamadam.rule.Rule;
import org.pamadam.rule.TrustRatio;

/**
 * Every parameter's {@link ParamState}, by parameter id and device, and their translation to and
 * from the core's checkpoint format ({@link OptimizerState}). A state loaded before the first update
 * waits here, checked, until its parameter is first seen.
 */
final class StateStore implements AutoCloseable {
    private final Rule rule;
    private final long firstCount;
    /** By parameter id: the state on its first device, the others chained ({@link ParamState#nextDevice}). */
    private final Map<String, ParamState> states = new LinkedHashMap<>();
    /** Loaded and checked, not yet applied: by parameter id. */
    private final Map<String, OptimizerState.Tensor> pending = new LinkedHashMap<>();
    /** Owns the NDArray path's state arrays. */
    private NDManager manager;

    private final boolean hostKernel;
    private final Pattern plainStep;

    StateStore(Rule rule, long firstCount, boolean hostKernel, Pattern plainStep) {
        this.rule = rule;
        this.firstCount = firstCount;
        this.hostKernel = hostKernel;
        this.plainStep = plainStep;
    }

    /** This parameter's state on the weight's device, created at its first update. */
    ParamState obtain(String parameterId, String name, NDArray weight) {
        ParamState s = get(parameterId, weight.getDevice());
        if (s != null) {
            if (!s.shape.equals(weight.getShape())) {
                throw new IllegalArgumentException("parameter '" + s.name + "' has shape " + weight.getShape()
                        + " but had shape " + s.shape + " when this optimizer first updated it");
            }
            if (s.host && s.weight != weight) {
                rebind(s, weight);
            }
            s.weight = weight;
            return s;
        }
        boolean adapt = rule.adapt() && !plainStepFor(parameterId, name, weight.getName());
        boolean host = hostKernel && TensorMemory.viewable(weight);
        s = new ParamState(parameterId, name, weight.getDevice(), weight.getShape(), adapt, host, firstCount);
        if (host) {
            s.weight = weight;
            s.param = Param.ofBuffer(name, s.dims(), TensorMemory.view(weight), 0);
        } else {
            createNdState(s, weight);
        }
        add(s);
        return s;
    }

    /** A new array for a host parameter (the framework reallocated it): view its memory, keep the state. */
    private static void rebind(ParamState s, NDArray weight) {
        if (!TensorMemory.viewable(weight)) {
            throw new IllegalArgumentException("parameter '" + s.name + "' was a viewable float32 CPU tensor and"
                    + " now is not (" + weight.getDevice() + ", " + weight.getDataType() + "): its state cannot follow it");
        }
        s.param.rebind(TensorMemory.view(weight), 0);
        s.weight = weight;
        if (s.ownGrad != null) {
            s.ownGrad.close();
            s.ownGrad = null;
            s.ownGradView = null;
        }
    }

    private boolean plainStepFor(String parameterId, String path, String name) {
        return plainStep != null && (plainStep.matcher(parameterId).matches() || plainStep.matcher(path).matches()
                || (name != null && plainStep.matcher(name).matches()));
    }


    /** The state of this parameter on this device, or null; allocates nothing (no device hashing). */
    ParamState get(String id, Device device) {
        for (ParamState s = states.get(id); s != null; s = s.nextDevice) {
            if (s.device == device || s.device.equals(device)) {
                return s;
            }
        }
        return null;
    }

    /** The state on the parameter's first device (the one telemetry reports), or null. */
    ParamState first(String id) {
        return states.get(id);
    }

    List<ParamState> firstPerId() {
        return new ArrayList<>(states.values());
    }

    int size() {
        return states.size();
    }

    /** Registers a fully made state (telemetry never sees a half-made one). */
    void add(ParamState s) {
        ParamState head = states.get(s.id);
        if (head == null) {
            states.put(s.id, s);
            return;
        }
        while (head.nextDevice != null) {
            head = head.nextDevice;
        }
        head.nextDevice = s;
    }

    Map<String, OptimizerState.Tensor> pending() {
        return pending;
    }

    void clearPending(Collection<ParamState> applied) {
        for (ParamState s : applied) {
            pending.remove(s.id);
        }
    }

    /** The NDArray path's state of {@code s}: zero moments (or the loaded ones), counters at 0. */
    void createNdState(ParamState s, NDArray weight) {
        if (manager == null) {
            manager = weight.getManager().getEngine().newBaseManager();
            manager.setName(rule.name() + " optimizer state");
        }
        OptimizerState.Tensor saved = pending.get(s.id);
        if (saved != null && !Arrays.equals(saved.shape(), s.dims())) {
            throw new IllegalArgumentException("parameter '" + s.name + "': checkpoint shape "
                    + Arrays.toString(saved.shape()) + ", weight shape " + s.shape);
        }
        s.m = own(weight.zerosLike());
        if (rule.moments() == Moments.ADAM) {
            s.v = own(weight.zerosLike());
        }
        boolean ratio = s.adapt && rule.effectiveRatio() != TrustRatio.NONE;
        if (ratio) {
            s.ratio = own(weight.getManager().create(Float.NaN).toDevice(weight.getDevice(), false));
        }
        s.clamps = own(weight.getManager().zeros(new Shape(), DataType.FLOAT32, weight.getDevice()));
        s.skips = own(weight.getManager().zeros(new Shape(), DataType.FLOAT32, weight.getDevice()));
        if (saved != null) {
            s.m.set(saved.m());
            if (s.v != null) {
                s.v.set(saved.v());
            }
            if (ratio && !Double.isNaN(saved.lastRatio())) {
                s.ratio.set(new float[] {(float) saved.lastRatio()});
            }
            s.clamps.set(new float[] {saved.clamped()});
            s.steps = saved.step();
            pending.remove(s.id);
        }
    }

    /** Created inside the caller's scope: unregistered so the scope does not close the state. */
    private NDArray own(NDArray array) {
        NDScope.unregister(array);
        array.attach(manager);
        return array;
    }

    // ---- telemetry ----

    double ratio(ParamState s) {
        if (s.host) {
            return s.core == null ? Double.NaN : s.core.lastRatio(s.name);
        }
        if (s.ratio == null) {
            return s.steps > firstCount ? 1.0 : Double.NaN;
        }
        return s.ratio.getFloat();
    }

    long clamps(ParamState s) {
        if (s.host) {
            return s.core == null ? 0 : s.core.clampCount(s.name);
        }
        return (long) s.clamps.getFloat();
    }

    long skips(ParamState s) {
        return s.host ? 0 : (long) s.skips.getFloat();
    }

    int arrayCount() {
        return manager == null ? 0 : manager.getManagedArrays().size();
    }

    // ---- checkpoints ----

    /** Every parameter's state (its first device's), keyed by id, then the loaded ones not yet applied. */
    OptimizerState save(double maxGradNorm, long steps) {
        Map<Optimizer, Map<String, OptimizerState.Tensor>> coreStates = new IdentityHashMap<>();
        List<OptimizerState.Tensor> tensors = new ArrayList<>();
        for (ParamState s : firstPerId()) {
            if (s.host && s.core == null) {
                continue; // seen, never stepped (an accumulation window in progress): nothing to save yet
            }
            if (s.host) {
                OptimizerState.Tensor t = coreStates.computeIfAbsent(s.core, StateStore::byName).get(s.name);
                tensors.add(new OptimizerState.Tensor(s.id, t.shape(), t.step(), t.lastRatio(), t.m(), t.v(), t.clamped()));
            } else {
                float[] v = s.v == null ? null : s.v.toFloatArray();
                tensors.add(new OptimizerState.Tensor(s.id, s.dims(), s.steps, ratio(s), s.m.toFloatArray(), v,
                        clamps(s)));
            }
        }
        tensors.addAll(pending.values());
        return new OptimizerState(List.of(new OptimizerState.Group(rule, tensors)), 0, maxGradNorm, steps);
    }

    private static Map<String, OptimizerState.Tensor> byName(Optimizer core) {
        Map<String, OptimizerState.Tensor> out = new LinkedHashMap<>();
        for (OptimizerState.Group g : core.state().groups()) {
            for (OptimizerState.Tensor t : g.tensors()) {
                out.put(t.name(), t);
            }
        }
        return out;
    }

    /**
     * Checks {@code state} in full, then keeps it to apply at each parameter's first update.
     * {@code shapes} (by id, or null when unknown) checks every tensor's shape now.
     */
    void load(OptimizerState state, Map<String, Shape> shapes) {
        if (!states.isEmpty()) {
            throw new IllegalArgumentException("load the optimizer state before the first update");
        }
        if (state.groups().size() != 1) {
            throw new IllegalArgumentException("expected one param group, the state has " + state.groups().size());
        }
        OptimizerState.Group group = state.groups().get(0);
        Rule saved = group.rule();
        if (saved.moments() != rule.moments() || saved.ratio() != rule.ratio() || saved.decay() != rule.decay()) {
            throw new IllegalArgumentException("the state is for " + saved.name() + ", this optimizer is " + rule.name());
        }
        Map<String, OptimizerState.Tensor> byId = new LinkedHashMap<>();
        for (OptimizerState.Tensor t : group.tensors()) {
            check(t, shapes);
            byId.put(t.name(), t);
        }
        pending.clear();
        pending.putAll(byId);
    }

    private void check(OptimizerState.Tensor t, Map<String, Shape> shapes) {
        String name = t.name();
        if (t.shape() == null) {
            throw new IllegalArgumentException("parameter '" + name + "': the state has no shape");
        }
        long size = 1;
        for (int d : t.shape()) {
            size *= d;
        }
        if (shapes != null) {
            Shape shape = shapes.get(name);
            if (shape == null) {
                throw new IllegalArgumentException("parameter '" + name + "' of the state is not in the bound block");
            }
            if (!Arrays.equals(t.shape(), Arrays.stream(shape.getShape()).mapToInt(Math::toIntExact).toArray())) {
                throw new IllegalArgumentException("parameter '" + name + "': checkpoint shape "
                        + Arrays.toString(t.shape()) + ", weight shape " + shape);
            }
        }
        checkMoment(name, "m", t.m(), size);
        if (rule.moments() == Moments.ADAM) {
            checkMoment(name, "v", t.v(), size);
        } else if (t.v() != null) {
            throw new IllegalArgumentException("parameter '" + name + "': second moment unexpected for " + rule.name());
        }
        if (t.step() < 0 || t.clamped() < 0 || t.clamped() > t.step()) {
            throw new IllegalArgumentException("parameter '" + name + "': step count " + t.step() + " and clamp count "
                    + t.clamped() + ", expected 0 <= clamps <= steps");
        }
    }

    private static void checkMoment(String name, String which, float[] values, long size) {
        if (values == null || values.length != size) {
            throw new IllegalArgumentException("parameter '" + name + "': " + which + " has "
                    + (values == null ? "no values" : values.length + " values") + ", expected " + size
                    + " (second moment missing or unexpected)");
        }
        for (int k = 0; k < values.length; k++) {
            if (!Float.isFinite(values[k]) || (which.equals("v") && values[k] < 0)) {
                throw new IllegalArgumentException("parameter '" + name + "': " + which + "[" + k + "] = " + values[k]
                        + ", expected a finite value" + (which.equals("v") ? " >= 0" : ""));
            }
        }
    }

    @Override
    public void close() {
        for (ParamState head : states.values()) {
            for (ParamState s = head; s != null; s = s.nextDevice) {
                if (s.core != null) {
                    s.core.close();
                }
                if (s.ownGrad != null) {
                    s.ownGrad.close();
                }
            }
        }
        states.clear();
        pending.clear();
        if (manager != null) {
            manager.close();
            manager = null;
        }
    }
}
