package org.pamadam.dl4j.spark;

import java.io.Serializable;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What one executor JVM reported about the minibatches it fitted in one epoch, recorded there by
 * {@link ExecutorProbe} after each fit and sent back with Spark's task results.
 *
 * @param executorId     Spark's executor id ("driver" in local mode, where tasks run in the driver JVM)
 * @param host           the executor's host
 * @param pid            the executor JVM's process id
 * @param minibatches    minibatches fitted there
 * @param examples       examples in them
 * @param lossSum        sum over those minibatches of loss times examples (the loss before each update)
 * @param updaters       the updater configurations of the network's updater blocks in that JVM, as
 *                       their toString (e.g. {@code RuleUpdater(ADAM, lr=0.003, ...)})
 * @param tensorSteps    the attached {@code NetworkStep} of that network: its tensors and kernel
 * @param lastRatios     the trust ratio each tensor took in the last step there (keys
 *                       {@code layer_param}); present only for tensors its {@code NetworkStep} stepped
 * @param measuredSteps  steps measured (0 unless {@link SparkSettings#measureSteps()})
 * @param stepOverLrMin  over the measured steps and tensors, the least
 *                       {@code mean|p' - p| / (lr * mean|p|)} (NaN when none was measured)
 * @param stepOverLrMax  the greatest such value (NaN when none was measured)
 */
public record ExecutorReport(String executorId, String host, long pid, long minibatches, long examples,
                             double lossSum, Set<String> updaters, Set<String> tensorSteps,
                             Map<String, Double> lastRatios, long measuredSteps, double stepOverLrMin,
                             double stepOverLrMax) implements Serializable {
    private static final long serialVersionUID = 1L;

    public ExecutorReport {
        updaters = Collections.unmodifiableSortedSet(new TreeSet<>(updaters));
        tensorSteps = Collections.unmodifiableSortedSet(new TreeSet<>(tensorSteps));
        lastRatios = Collections.unmodifiableSortedMap(new TreeMap<>(lastRatios));
    }

    /** The key under which reports of the same JVM are merged. */
    public String key() {
        return executorId + "@" + host + "/" + pid;
    }

    /** Mean loss over the examples fitted there (NaN when none). */
    public double trainLoss() {
        return examples == 0 ? Double.NaN : lossSum / examples;
    }

    /** This report and a later one of the same JVM: counts add up, the later last ratios win. */
    public ExecutorReport merge(ExecutorReport later) {
        if (!key().equals(later.key())) {
            throw new IllegalArgumentException("cannot merge reports of " + key() + " and " + later.key());
        }
        Set<String> u = new TreeSet<>(updaters);
        u.addAll(later.updaters);
        Set<String> t = new TreeSet<>(tensorSteps);
        t.addAll(later.tensorSteps);
        Map<String, Double> r = new TreeMap<>(lastRatios);
        r.putAll(later.lastRatios);
        return new ExecutorReport(executorId, host, pid, minibatches + later.minibatches, examples + later.examples,
                lossSum + later.lossSum, u, t, r, measuredSteps + later.measuredSteps,
                minIgnoringNaN(stepOverLrMin, later.stepOverLrMin), maxIgnoringNaN(stepOverLrMax, later.stepOverLrMax));
    }

    static double minIgnoringNaN(double a, double b) {
        return Double.isNaN(a) ? b : Double.isNaN(b) ? a : Math.min(a, b);
    }

    static double maxIgnoringNaN(double a, double b) {
        return Double.isNaN(a) ? b : Double.isNaN(b) ? a : Math.max(a, b);
    }
}
