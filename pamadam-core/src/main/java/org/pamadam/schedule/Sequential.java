package org.pamadam.schedule;

import java.util.List;
import java.util.stream.Collectors;

/**
 * torch's {@code SequentialLR}: schedule {@code i} runs from milestone {@code i-1} (0 for the first)
 * to milestone {@code i}, restarted at its own step 0 when it takes over, so step {@code t} with
 * {@code milestones[i-1] <= t < milestones[i]} runs at {@code schedules[i].lr(base, t - milestones[i-1])}.
 * At a milestone the next schedule starts: warmup over w steps followed by cosine gives step w the
 * base lr. Every child uses the group's base lr, as in torch.
 */
public record Sequential(List<Schedule> schedules, List<Long> milestones) implements Schedule {
    public Sequential {
        if (schedules == null || milestones == null) {
            throw new IllegalArgumentException("sequential schedule: schedules and milestones must be given");
        }
        schedules = List.copyOf(schedules);
        milestones = List.copyOf(milestones);
        if (schedules.isEmpty()) {
            throw new IllegalArgumentException("sequential schedule: needs at least one schedule");
        }
        if (milestones.size() != schedules.size() - 1) {
            throw new IllegalArgumentException("sequential schedule: " + schedules.size() + " schedules need "
                    + (schedules.size() - 1) + " milestones, got " + milestones.size());
        }
        long previous = 0;
        for (int i = 0; i < milestones.size(); i++) {
            long m = milestones.get(i);
            if (m <= previous) {
                throw new IllegalArgumentException("sequential schedule: milestones must be increasing and > 0, "
                        + "got milestone[" + i + "] = " + m + (i > 0 ? " after " + previous : ""));
            }
            previous = m;
        }
    }

    @Override
    public double lr(double baseLr, long t) {
        Linear.requireStep(t);
        int i = 0;
        while (i < milestones.size() && t >= milestones.get(i)) {
            i++;
        }
        return schedules.get(i).lr(baseLr, i == 0 ? t : t - milestones.get(i - 1));
    }

    @Override
    public String describe() {
        return "sequential(" + schedules.stream().map(Schedule::describe).collect(Collectors.joining(", "))
                + "; milestones=" + milestones + ")";
    }
}
