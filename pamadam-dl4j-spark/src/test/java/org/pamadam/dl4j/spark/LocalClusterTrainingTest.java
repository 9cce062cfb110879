package org.pamadam.dl4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;
import org.pamadam.data.FashionMnist;
import org.pamadam.data.ImageSet;
import org.pamadam.dl4j.Dl4jOptimizers;
import org.pamadam.dl4j.RuleUpdater;
import org.pamadam.rule.Rule;

/**
 * PAMAdam on a real (if local) Spark cluster: local-cluster[2,1,1536] starts a master, two workers and
 * two executor JVMs, so the network configuration (the RuleUpdaters) is serialised by the
 * driver and deserialised and run in other processes. Everything checked about the executors comes from
 * them, through the accumulator of ExecutorProbe.
 */
class LocalClusterTrainingTest {
    static final int TRAIN = 4000;
    static final int BATCH = 25;
    static final int EPOCHS = 5;
    static final int FREQ = 10;
    static final double LR = 3e-3;

    @Test
    void pamAdamIsDeserialisedAndAppliedInExecutorJvmsAndTrainsFashionMnist() throws IOException {
        String sparkHome = System.getenv("SPARK_HOME");
        assertTrue(sparkHome != null, "the build sets SPARK_HOME for local-cluster mode");
        Files.createDirectories(Path.of(sparkHome, "jars")); // workers add $SPARK_HOME/jars/* (empty) to executors

        FashionMnist.Data data = TestData.fashionMnist();
        ImageSet train = data.train().head(TRAIN);
        List<DataSet> minibatches = SparkData.minibatches(train, BATCH);
        DataSet test = SparkData.all(data.test());
        Rule rule = Rule.pamAdam().lr(LR).build();
        MultiLayerConfiguration conf = Dl4jOptimizers.apply(FashionMnistSparkApp.mlp(784, 128, 42), rule);
        SparkSettings settings = SparkSettings.builder()
                .master("local-cluster[2,1,1536]")
                .workers(2)
                .averagingFrequency(FREQ)
                .epochs(EPOCHS)
                .measureSteps(true)
                .conf("spark.executor.memory", "1g")
                .conf("spark.executor.extraClassPath", testClassPath())
                .conf("spark.executorEnv.OMP_NUM_THREADS", "1")
                .conf("spark.ui.enabled", "false")
                .build();

        SparkTrainingResult r = SparkTraining.run(settings, conf, minibatches, test, m -> {
            FashionMnistSparkApp.print(m, EPOCHS, System.out);
            System.out.flush();
        });

        // What the driver configured, as the executors must have deserialised it.
        String updater = new RuleUpdater(rule).toString();
        long driverPid = ProcessHandle.current().pid();
        Set<Long> pids = new HashSet<>();
        for (EpochMetrics m : r.epochs()) {
            assertEquals(TRAIN, m.examples(), "every training image is fitted once per epoch, in the executors");
            assertEquals(2, m.executors().size(), "two executor JVMs trained in epoch " + m.epoch() + ": "
                    + m.executors());
            for (ExecutorReport e : m.executors()) {
                assertNotEquals(driverPid, e.pid(), "reported from another JVM than the driver's");
                assertNotEquals("driver", e.executorId());
                pids.add(e.pid());
                assertTrue(e.minibatches() > 0);
                assertEquals(Set.of(updater), e.updaters(), "the updater blocks the executor ran");
                assertEquals(1, e.tensorSteps().size(), "the step attached in the executor: " + e.tensorSteps());
                assertTrue(e.tensorSteps().iterator().next().startsWith("NetworkStep[0_W, 0_b, 1_W, 1_b]"),
                        e.tensorSteps().toString());
                // NetworkStep's ratios are telemetry of the step attached in that JVM (by AttachStep).
                assertEquals(new TreeSet<>(List.of("0_W", "0_b", "1_W", "1_b")), e.lastRatios().keySet());
                for (double ratio : e.lastRatios().values()) {
                    assertTrue(Double.isFinite(ratio) && ratio > 0 && ratio != 1.0, "trust ratio " + ratio);
                }
                // PAMAdam's defining property, measured there on every step and tensor:
                // mean|p' - p| = lr * mean|p|.
                assertEquals(e.minibatches(), e.measuredSteps());
                assertEquals(1.0, e.stepOverLrMin(), 1e-3, "smallest mean|step| / (lr * mean|p|)");
                assertEquals(1.0, e.stepOverLrMax(), 1e-3, "largest mean|step| / (lr * mean|p|)");
            }
        }
        assertTrue(pids.size() >= 2, "at least two executor processes: " + pids);

        double accuracy = r.last().testAccuracy();
        System.out.printf("local-cluster PAMAdam: test accuracy %.4f after %d epochs (%d images, batch %d, "
                + "averaging every %d)%n", accuracy, EPOCHS, TRAIN, BATCH, FREQ);
        // Measured 0.8290 (0.7310 after the first epoch), the same on repeated runs; the bound leaves about
        // three points for BLAS and CPU differences between machines. Untrained: about 0.1.
        assertTrue(accuracy >= 0.80, "test accuracy " + accuracy + " after " + EPOCHS + " epochs");
        assertTrue(r.last().testLoss() < r.epochs().get(0).testLoss(), "the test loss falls");
    }

    /** The class path of this JVM, for the executors (surefire puts the test class path in java.class.path). */
    private static String testClassPath() {
        String cp = System.getProperty("java.class.path");
        assertTrue(cp.split(File.pathSeparator).length > 10, "expected the full test class path, got " + cp);
        return cp;
    }
}
