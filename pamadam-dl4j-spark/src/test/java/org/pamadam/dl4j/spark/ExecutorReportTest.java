package org.pamadam.dl4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Reports merge per JVM, and the accumulator merges task copies as Spark does. */
class ExecutorReportTest {
    private static ExecutorReport report(String id, long pid, long examples, double loss, double ratio, double step) {
        return new ExecutorReport(id, "h", pid, 1, examples, loss * examples, Set.of("U"), Set.of("T"),
                Map.of("layer0_W", ratio), Double.isNaN(step) ? 0 : 1, step, step);
    }

    @Test
    void mergeAddsCountsKeepsTheLaterRatiosAndTheStepRange() {
        ExecutorReport a = report("1", 10, 20, 2.0, 0.5, 1.0001);
        ExecutorReport b = report("1", 10, 30, 1.0, 0.7, Double.NaN);
        ExecutorReport c = report("1", 10, 50, 1.0, 0.9, 0.9999);
        ExecutorReport m = a.merge(b).merge(c);
        assertEquals(3, m.minibatches());
        assertEquals(100, m.examples());
        assertEquals((40.0 + 30.0 + 50.0) / 100, m.trainLoss(), 1e-12);
        assertEquals(0.9, m.lastRatios().get("layer0_W"));
        assertEquals(2, m.measuredSteps());
        assertEquals(0.9999, m.stepOverLrMin());
        assertEquals(1.0001, m.stepOverLrMax());
        assertThrows(IllegalArgumentException.class, () -> a.merge(report("2", 10, 1, 1, 1, 1)));
    }

    @Test
    void accumulatorMergesTaskCopiesPerJvm() throws Exception {
        ExecutorReportAccumulator driver = new ExecutorReportAccumulator();
        ExecutorReportAccumulator task1 = (ExecutorReportAccumulator) driver.copyAndReset();
        ExecutorReportAccumulator task2 = (ExecutorReportAccumulator) driver.copyAndReset();
        task1.add(roundTrip(report("1", 10, 20, 1, 0.5, Double.NaN)));
        task1.add(report("1", 10, 20, 1, 0.6, Double.NaN));
        task2.add(report("2", 11, 25, 1, 0.4, Double.NaN));
        driver.merge(task1);
        driver.merge(task2);
        List<ExecutorReport> v = driver.value();
        assertEquals(2, v.size());
        assertEquals(40, v.get(0).examples());
        assertEquals(2, v.get(0).minibatches());
        assertEquals(25, v.get(1).examples());
        driver.reset();
        assertTrue(driver.isZero());
    }

    @SuppressWarnings("unchecked")
    private static <T> T roundTrip(T o) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(o);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (T) in.readObject();
        }
    }
}
