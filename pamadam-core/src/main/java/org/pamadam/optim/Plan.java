package org.pamadam.optim;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import org.pamadam.rule.Moments;
import org.pamadam.rule.Rule;
import org.pamadam.schedule.Schedule;

/**
 * What {@link Optimizer.Builder} collects, and its validation: the groups with their rules and
 * schedules, the options, and the moments kept in a framework's memory. {@link #resolve()} turns it
 * into the flat per-tensor arrays the optimizer runs on.
 */
final class Plan {
    static final class GroupSpec {
        final Rule rule;
        final List<Param> params;
        Schedule schedule;

        GroupSpec(Rule rule, List<Param> params) {
            this.rule = rule;
            this.params = params;
        }
    }

    final List<GroupSpec> groups = new ArrayList<>();
    final Map<Param, ByteBuffer[]> externalMoments = new IdentityHashMap<>();
    int threads = Math.min(4, Runtime.getRuntime().availableProcessors());
    Kernel kernel;
    boolean fused = true;
    NonFinitePolicy policy = NonFinitePolicy.REFUSE;
    double maxGradNorm = Double.POSITIVE_INFINITY;

    // Resolved by resolve(): one entry per tensor, group by group.
    Param[] params;
    int[] groupOf;
    Rule[] rules;
    Schedule[] schedules;
    boolean[] hasV;
    ByteBuffer[] externalM;
    ByteBuffer[] externalV;

    void schedule(int group, Schedule schedule) {
        if (group < 0 || group >= groups.size()) {
            throw new IllegalArgumentException("schedule: no group " + group + " (" + groups.size()
                    + " added so far); add the group first");
        }
        groups.get(group).schedule = schedule;
    }

    void group(Rule rule, Collection<Param> params) {
        if (rule == null) {
            throw new IllegalArgumentException("rule must not be null");
        }
        if (params == null) {
            throw new IllegalArgumentException("group of rule '" + rule.name() + "': params must not be null");
        }
        groups.add(new GroupSpec(rule, new ArrayList<>(params)));
    }

    void override(String regex, UnaryOperator<Rule.Builder> change) {
        Pattern pattern = Pattern.compile(regex);
        int existing = groups.size();
        for (int g = 0; g < existing; g++) {
            GroupSpec spec = groups.get(g);
            List<Param> moved = new ArrayList<>();
            spec.params.removeIf(p -> p != null && pattern.matcher(p.name()).matches() && moved.add(p));
            if (!moved.isEmpty()) {
                GroupSpec derived = new GroupSpec(change.apply(spec.rule.toBuilder()).build(), moved);
                derived.schedule = spec.schedule;
                groups.add(derived);
            }
        }
        groups.removeIf(spec -> spec.params.isEmpty());
    }

    /** Validates everything and fills the per-tensor arrays. */
    Plan resolve() {
        if (groups.isEmpty()) {
            throw new IllegalArgumentException("no parameters: add at least one group");
        }
        if (kernel == null) {
            kernel = Kernels.get();
        }
        List<Param> all = new ArrayList<>();
        List<Integer> owner = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Set<Param> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (int g = 0; g < groups.size(); g++) {
            for (Param p : groups.get(g).params) {
                if (p == null) {
                    throw new IllegalArgumentException("a group holds a null parameter");
                }
                if (!seen.add(p)) {
                    throw new IllegalArgumentException("parameter '" + p.name() + "' is in more than one group");
                }
                if (!names.add(p.name())) {
                    throw new IllegalArgumentException("two parameters are named '" + p.name() + "'");
                }
                if (!fused && p.isDirect()) {
                    throw new IllegalArgumentException("parameter '" + p.name() + "' is off-heap, but the reference"
                            + " path (fused(false)) runs on float[] only");
                }
                // Tied weights would be stepped twice per step (and concurrently with threads > 1).
                for (Param q : all) {
                    if (p.overlaps(q)) {
                        throw new IllegalArgumentException("parameters '" + q.name() + "' and '" + p.name()
                                + "' share memory (tied weights): each would be updated separately;"
                                + " pass one Param with the sum of both gradients");
                    }
                }
                all.add(p);
                owner.add(g);
            }
        }
        for (Param p : externalMoments.keySet()) {
            if (!seen.contains(p)) {
                throw new IllegalArgumentException("moments given for parameter '" + p.name()
                        + "', which no group holds");
            }
        }
        int n = all.size();
        params = all.toArray(new Param[0]);
        groupOf = owner.stream().mapToInt(Integer::intValue).toArray();
        rules = groups.stream().map(g -> g.rule).toArray(Rule[]::new);
        schedules = groups.stream().map(g -> g.schedule).toArray(Schedule[]::new);
        hasV = new boolean[n];
        externalM = new ByteBuffer[n];
        externalV = new ByteBuffer[n];
        for (int i = 0; i < n; i++) {
            hasV[i] = rules[groupOf[i]].moments() == Moments.ADAM;
            ByteBuffer[] given = externalMoments.get(params[i]);
            if (given != null) {
                if (hasV[i] != (given[1] != null)) {
                    throw new IllegalArgumentException("parameter '" + params[i].name() + "': its rule '"
                            + rules[groupOf[i]].name() + "' keeps " + (hasV[i] ? "m and v" : "m only")
                            + ", but " + (given[1] != null ? "m and v were" : "only m was") + " given");
                }
                externalM[i] = given[0];
                externalV[i] = given[1];
            }
        }
        return this;
    }
}
