package org.pamadam.dl4j;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.pamadam.optim.Optimizer;
import org.pamadam.optim.OptimizerState;

/**
 * The counter regions of a {@link NetworkStep}'s tensors in DL4J's updater state (see
 * {@link RuleUpdater}): from a tensor's first element, its step count, clamp count and last ratio, as
 * floats (exact counts up to 2^24). Slots past the tensor's size are not kept. Written after every
 * committed step, read into the core optimizer when a step is attached, so the network saves, restores
 * and (on Spark) averages them with its moments.
 */
final class Counters {
    private static final int STEPS = 0;
    private static final int CLAMPS = 1;
    private static final int RATIO = 2;

    private final String[] names;
    private final ByteBuffer[] regions;
    /** Tensor i's index in the optimizer's order, looked up once: a write after every step finds no names. */
    private final int[] at;

    /**
     * {@code regions[i]}: tensor i's counter region, native order, index 0 at its first element;
     * {@code names[i]} its name in {@code optimizer}.
     */
    Counters(String[] names, ByteBuffer[] regions, Optimizer optimizer) {
        this.names = names;
        this.regions = regions;
        at = new int[names.length];
        for (int i = 0; i < names.length; i++) {
            at[i] = optimizer.indexOf(names[i]);
        }
    }

    /** After a step: every tensor's counts and ratio as the optimizer now has them. */
    void write(Optimizer optimizer) {
        for (int i = 0; i < names.length; i++) {
            ByteBuffer c = regions[i];
            int size = c.capacity() / Float.BYTES;
            c.putFloat(STEPS, optimizer.stepCount(at[i]));
            if (size > CLAMPS) {
                c.putFloat(CLAMPS * Float.BYTES, optimizer.clampCount(at[i]));
            }
            if (size > RATIO) {
                c.putFloat(RATIO * Float.BYTES, (float) optimizer.lastRatio(at[i]));
            }
        }
    }

    /**
     * Loads the counts into {@code optimizer} (its moments, which live in the same state, stay). A
     * region that holds no counts (negative, more clamps than steps, a negative ratio) is refused,
     * naming the tensor, before anything is loaded.
     */
    void load(Optimizer optimizer) {
        OptimizerState saved = optimizer.state();
        List<OptimizerState.Group> groups = new ArrayList<>();
        for (OptimizerState.Group g : saved.groups()) {
            List<OptimizerState.Tensor> ts = new ArrayList<>();
            for (OptimizerState.Tensor t : g.tensors()) {
                ByteBuffer c = regions[indexOf(t.name())];
                int size = c.capacity() / Float.BYTES;
                long steps = (long) c.getFloat(STEPS);
                long clamps = size > CLAMPS ? (long) c.getFloat(CLAMPS * Float.BYTES) : 0;
                double ratio = steps == 0 || size <= RATIO ? Double.NaN : c.getFloat(RATIO * Float.BYTES);
                if (steps < 0 || clamps < 0 || clamps > steps || !(Double.isNaN(ratio) || ratio >= 0)) {
                    throw new IllegalArgumentException("tensor '" + t.name() + "': the updater state's counter region"
                            + " holds step count " + steps + ", clamp count " + clamps + " and ratio " + ratio
                            + "; expected counts 0 <= clamps <= steps and a ratio >= 0 (is it a RuleUpdater state?)");
                }
                ts.add(new OptimizerState.Tensor(t.name(), t.shape(), steps, ratio, t.m(), t.v(), clamps));
            }
            groups.add(new OptimizerState.Group(g.rule(), ts));
        }
        optimizer.load(new OptimizerState(groups, 0, optimizer.maxGradNorm()));
    }

    private int indexOf(String name) {
        for (int i = 0; i < names.length; i++) {
            if (names[i].equals(name)) {
                return i;
            }
        }
        throw new IllegalArgumentException("no tensor named '" + name + "'");
    }
}
