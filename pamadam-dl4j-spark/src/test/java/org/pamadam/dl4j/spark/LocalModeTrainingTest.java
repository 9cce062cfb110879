package org.pamadam.dl4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;
import org.pamadam.data.FashionMnist;
import org.pamadam.data.ImageSet;
import org.pamadam.dl4j.Dl4jOptimizers;
import org.pamadam.rule.Rule;

/**
 * The API in local[2] mode: tasks run in threads of this JVM (so this does not show that anything
 * travels to other JVMs; {@link LocalClusterTrainingTest} does).
 */
class LocalModeTrainingTest {

    @Test
    void trainsReportsEveryEpochAndLeavesTheConfigurationAlone() {
        FashionMnist.Data data = TestData.fashionMnist();
        ImageSet train = data.train().head(1000);
        List<DataSet> minibatches = SparkData.minibatches(train, 20);
        DataSet test = SparkData.all(data.test().head(500));
        MultiLayerConfiguration conf = Dl4jOptimizers.apply(FashionMnistSparkApp.mlp(784, 32, 7),
                Rule.pamAdam().lr(3e-3).build());
        String confBefore = conf.toJson();
        List<EpochMetrics> told = new ArrayList<>();

        SparkTrainingResult r = SparkTraining.run(SparkSettings.builder().master("local[2]").workers(2)
                        .averagingFrequency(5).epochs(2).conf("spark.ui.enabled", "false").build(),
                conf, minibatches, test, told::add);

        assertEquals(2, r.epochs().size());
        assertEquals(r.epochs(), told, "the listener hears every epoch, in order");
        assertEquals(confBefore, conf.toJson(), "the caller's configuration is not changed");
        long driverPid = ProcessHandle.current().pid();
        for (EpochMetrics m : r.epochs()) {
            assertEquals(1000, m.examples(), "every training image is fitted once per epoch");
            assertTrue(Double.isFinite(m.trainLoss()) && m.trainLoss() > 0, "train loss " + m.trainLoss());
            assertTrue(Double.isFinite(m.testLoss()) && m.testLoss() > 0, "test loss " + m.testLoss());
            assertTrue(m.seconds() > 0);
            assertFalse(m.executors().isEmpty());
            for (ExecutorReport e : m.executors()) {
                // local mode: the "executor" is the driver itself
                assertEquals("driver", e.executorId());
                assertEquals(driverPid, e.pid());
                assertEquals(4, e.lastRatios().size(), "W and b of both layers: " + e.lastRatios());
                assertEquals(0, e.measuredSteps());
            }
        }
        EpochMetrics first = r.epochs().get(0);
        EpochMetrics last = r.last();
        assertTrue(last.testLoss() < first.testLoss(), "the test loss falls: " + first + " then " + last);
        // Measured 0.624 (0.382 after the first epoch); chance is 0.1.
        assertTrue(last.testAccuracy() > 0.45, "test accuracy " + last.testAccuracy() + " after 2 epochs of 1000 images");
        assertEquals(last.testAccuracy(), SparkTraining.accuracy(r.network(), test), 0.0,
                "the returned network is the one evaluated");
        System.out.printf("local[2]: test accuracy %.4f, %.4f after epochs 1, 2%n", first.testAccuracy(),
                last.testAccuracy());
    }
}
