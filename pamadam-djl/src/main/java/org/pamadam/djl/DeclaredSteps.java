package org.pamadam.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.RandomAccess;

/**
 * The bookkeeping of declared steps ({@link RuleOptimizer#beginStep}): which gradient each
 * parameter id was declared with, and which ids have had their {@code update} in the step. One slot
 * per id is kept across steps and overwritten, so a caller that declares the same parameters every
 * step allocates nothing here; slots of ids no longer declared are dropped.
 */
final class DeclaredSteps {
    private static final class Slot {
        NDArray grad;
        /** The declaration this slot was last declared in, and the one it last arrived in. */
        long declaredIn;
        long arrivedIn;
    }

    private final Map<String, Slot> slots = new HashMap<>();
    private long round;
    private int declaredCount;
    private int arrivedCount;
    private boolean open;

    /** Whether a declared step is waiting for its updates. */
    boolean open() {
        return open;
    }

    /** Whether every declared parameter of the open step has had its update. */
    boolean complete() {
        return arrivedCount == declaredCount;
    }

    /** The ids of the open step that have had no update yet (for the message that says so). */
    List<String> missing() {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, Slot> e : slots.entrySet()) {
            if (e.getValue().declaredIn == round && e.getValue().arrivedIn != round) {
                out.add(e.getKey());
            }
        }
        return out;
    }

    /** Opens a step with these (parameter id, gradient) pairs; a later pair for the same id wins. */
    void begin(List<Pair<String, NDArray>> gradients) {
        round++;
        int distinct = 0;
        if (gradients instanceof RandomAccess) {
            for (int i = 0; i < gradients.size(); i++) {
                distinct += declare(gradients.get(i));
            }
        } else {
            for (Pair<String, NDArray> g : gradients) {
                distinct += declare(g);
            }
        }
        if (distinct != slots.size()) {
            slots.values().removeIf(s -> s.declaredIn != round);
        }
        declaredCount = distinct;
        arrivedCount = 0;
        open = true;
    }

    private int declare(Pair<String, NDArray> g) {
        Slot slot = slots.get(g.getKey());
        if (slot == null) {
            slot = new Slot();
            slots.put(g.getKey(), slot);
        }
        int isNew = slot.declaredIn == round ? 0 : 1;
        slot.declaredIn = round;
        slot.grad = g.getValue();
        return isNew;
    }

    /**
     * The gradient declared for {@code id} in the open step, which this update receives.
     *
     * @throws IllegalArgumentException naming the parameter ({@code name}) when it was not declared
     *     for this step, or had its update already
     */
    NDArray arrive(String id, String name) {
        Slot slot = slots.get(id);
        if (slot == null || slot.declaredIn != round) {
            throw new IllegalArgumentException("parameter '" + name + "' was not declared by beginStep for this step");
        }
        if (slot.arrivedIn == round) {
            throw new IllegalArgumentException("parameter '" + name + "' was updated twice in one declared step");
        }
        slot.arrivedIn = round;
        arrivedCount++;
        return slot.grad;
    }

    /** Closes the step (all its updates arrived). */
    void close() {
        open = false;
    }
}
