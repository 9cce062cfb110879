package org.pamadam.optim;

import org.pamadam.rule.Rule;
import org.pamadam.schedule.Schedule;

/**
 * Each group's learning-rate schedule, and the rule a step runs with: the group's rule with the lr its
 * schedule gives at the optimizer's step position. One derived rule per group is cached and rebuilt
 * only when the position or the group's rule changes, so a step allocates nothing.
 */
final class GroupSchedules {
    private final Schedule[] schedules;
    private final Rule[] derived;
    private final long[] derivedAt;
    private final Rule[] derivedFrom;

    GroupSchedules(Schedule[] schedules) {
        this.schedules = schedules.clone();
        derived = new Rule[schedules.length];
        derivedAt = new long[schedules.length];
        derivedFrom = new Rule[schedules.length];
    }

    Schedule get(int group) {
        return schedules[group];
    }

    void set(int group, Schedule schedule) {
        schedules[group] = schedule;
        derived[group] = null;
    }

    /** {@code base} (group {@code group}'s rule) with its schedule's lr at {@code position} steps taken. */
    Rule at(int group, Rule base, long position) {
        if (schedules[group] == null) {
            return base;
        }
        if (derived[group] == null || derivedAt[group] != position || derivedFrom[group] != base) {
            derived[group] = base.toBuilder().lr(schedules[group].lr(base.lr(), position)).build();
            derivedAt[group] = position;
            derivedFrom[group] = base;
        }
        return derived[group];
    }

    /** The lr a step at {@code position} runs with in this group. */
    double lr(int group, Rule base, long position) {
        return schedules[group] == null ? base.lr() : schedules[group].lr(base.lr(), position);
    }
}
