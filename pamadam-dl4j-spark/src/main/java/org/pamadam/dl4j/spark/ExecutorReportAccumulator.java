package org.pamadam.dl4j.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.util.AccumulatorV2;

/**
 * A Spark accumulator of {@link ExecutorReport}s, merged per executor JVM. Executors add one report per
 * minibatch to their task's copy; Spark merges the copies into the driver's instance as tasks finish.
 */
public final class ExecutorReportAccumulator extends AccumulatorV2<ExecutorReport, List<ExecutorReport>> {
    private static final long serialVersionUID = 1L;

    private final TreeMap<String, ExecutorReport> reports = new TreeMap<>();

    @Override
    public boolean isZero() {
        synchronized (reports) {
            return reports.isEmpty();
        }
    }

    @Override
    public ExecutorReportAccumulator copy() {
        ExecutorReportAccumulator c = new ExecutorReportAccumulator();
        synchronized (reports) {
            c.reports.putAll(reports);
        }
        return c;
    }

    @Override
    public void reset() {
        synchronized (reports) {
            reports.clear();
        }
    }

    @Override
    public void add(ExecutorReport report) {
        synchronized (reports) {
            reports.merge(report.key(), report, ExecutorReport::merge);
        }
    }

    @Override
    public void merge(AccumulatorV2<ExecutorReport, List<ExecutorReport>> other) {
        if (!(other instanceof ExecutorReportAccumulator)) {
            throw new UnsupportedOperationException("cannot merge " + getClass().getName() + " with "
                    + other.getClass().getName());
        }
        for (ExecutorReport r : other.value()) {
            add(r);
        }
    }

    /** The reports so far, one per executor JVM, ordered by executor id, host and pid. */
    @Override
    public List<ExecutorReport> value() {
        synchronized (reports) {
            List<ExecutorReport> out = new ArrayList<>(reports.size());
            for (Map.Entry<String, ExecutorReport> e : reports.entrySet()) {
                out.add(e.getValue());
            }
            return out;
        }
    }
}
