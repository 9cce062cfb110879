package org.pamadam.dl4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;
import org.pamadam.dl4j.Dl4jOptimizers;
import org.pamadam.dl4j.Dl4jSchedules;
import org.pamadam.dl4j.NetworkStep;
import org.pamadam.dl4j.RuleUpdater;
import org.pamadam.rule.Rule;
import org.pamadam.schedule.Schedule;

/**
 * With parameter averaging, each worker's model takes its share of the minibatches, and its schedule
 * reads the steps that model took (carried from round to round in the averaged updater state), so a
 * schedule sized to the steps one worker takes ends at the last epoch.
 */
class SparkScheduleTest {

    @Test
    void aCosineScheduleReachesItsEndAtTheLastEpochWithTwoWorkers() {
        int workers = 2;
        int epochs = 2;
        List<DataSet> minibatches = SparkData.minibatches(TestData.fashionMnist().train().head(400), 20);
        int perWorker = minibatches.size() / workers; // 10: two rounds of 2 workers x averaging frequency 5
        int steps = epochs * perWorker;
        double lr = 3e-3;
        Schedule cosine = Schedule.cosine(steps, 0.0);
        MultiLayerConfiguration conf = Dl4jOptimizers.apply(FashionMnistSparkApp.mlp(784, 16, 3),
                Rule.pamAdam().lr(lr).build());
        for (int i = 0; i < conf.getConfs().size(); i++) {
            ((RuleUpdater) ((BaseLayer) conf.getConf(i).getLayer()).getIUpdater())
                    .setLrAndSchedule(Double.NaN, Dl4jSchedules.of(cosine, lr, steps));
        }
        SparkTrainingResult r = SparkTraining.run(SparkSettings.builder().master("local[2]").workers(workers)
                .averagingFrequency(5).epochs(epochs).conf("spark.ui.enabled", "false").build(),
                conf, minibatches, null, null);

        NetworkStep step = Dl4jOptimizers.attach(r.network());
        assertEquals(steps, step.stepCount("0_W"), "every worker's model took " + perWorker + " steps an epoch");
        RuleUpdater u = (RuleUpdater) ((BaseLayer) r.network().getLayerWiseConfigurations().getConf(0).getLayer())
                .getIUpdater();
        // The last step ran at the schedule's last position: the end of the cosine.
        assertEquals(cosine.lr(lr, steps - 1), u.getLearningRate((int) step.stepCount() - 1, epochs - 1), 0.0);
        assertEquals(0.0, cosine.lr(lr, steps), 1e-12);
    }
}
