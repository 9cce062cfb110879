package org.pamadam.djl;

import ai.djl.training.tracker.ParameterTracker;
import org.pamadam.rule.Rule;

/**
 * The rule each step runs: the parameter's flavour (with the trust ratio, or the plain step of
 * {@code optNoAdapt}) at the learning-rate tracker's value, if there is a tracker. A tracker value
 * the rule refuses is reported naming the step or parameter.
 */
final class StepRules {
    private final ParameterTracker tracker;
    private final long firstCount;
    private Rule adaptRule;
    private Rule plainRule;
    /** The tracker's last value and its decimal reading (a held value is not read again: that allocates). */
    private float lastValue = Float.NaN;
    private double lastLr = Double.NaN;

    StepRules(Rule rule, ParameterTracker tracker, long firstCount) {
        this.tracker = tracker;
        this.firstCount = firstCount;
        this.adaptRule = rule;
        this.plainRule = rule.adapt() ? rule.toBuilder().adapt(false).build() : rule;
    }

    /** The rule of optimizer step {@code index} (0-based): the tracker asked with {@code firstCount + index + 1}. */
    Rule forStep(boolean adapt, long index) {
        if (tracker == null) {
            return adapt ? adaptRule : plainRule;
        }
        int number = Math.toIntExact(firstCount + index + 1);
        return withLr(adapt, tracker.getNewValue("", number), null, number);
    }

    /** The learning rate of optimizer step {@code index}, NaN without a tracker (the rule's own). */
    double lr(long index) {
        return tracker == null ? Double.NaN : forStep(true, index).lr();
    }

    /** The rule of one parameter's own update, the tracker asked with DJL's update number. */
    Rule forUpdate(boolean adapt, String parameterId, String name, int updateNumber) {
        if (tracker == null) {
            return adapt ? adaptRule : plainRule;
        }
        return withLr(adapt, tracker.getNewValue(parameterId, updateNumber), name, updateNumber);
    }

    /**
     * The rule at the tracker's {@code value}; {@code name} (null: an optimizer step) and
     * {@code number} say where, in the message of a value the rule refuses (built only then).
     */
    private Rule withLr(boolean adapt, float value, String name, int number) {
        Rule base = adapt ? adaptRule : plainRule;
        double lr = decimal(value);
        if (lr == base.lr()) {
            return base;
        }
        Rule r;
        try {
            r = base.toBuilder().lr(lr).build();
        } catch (IllegalArgumentException e) {
            String where = name == null ? "step " + number : "parameter '" + name + "' at update " + number;
            throw new IllegalArgumentException("learning-rate tracker gave " + value + " for " + where + ": "
                    + e.getMessage(), e);
        }
        if (adapt) {
            adaptRule = r;
        } else {
            plainRule = r;
        }
        return r;
    }

    /** {@link RuleOptimizerBuilder#decimal} of {@code value}, kept while the tracker gives the same value. */
    private double decimal(float value) {
        if (Float.floatToRawIntBits(value) != Float.floatToRawIntBits(lastValue)) {
            lastLr = RuleOptimizerBuilder.decimal(value);
            lastValue = value;
        }
        return lastLr;
    }
}
