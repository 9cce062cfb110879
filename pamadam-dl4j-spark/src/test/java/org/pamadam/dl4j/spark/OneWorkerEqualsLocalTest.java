package org.pamadam.dl4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.util.SparkUtils;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;
import org.pamadam.dl4j.Dl4jOptimizers;
import org.pamadam.rule.Rule;

/**
 * A check of the Spark runner that can fail: one worker averaging after every minibatch must be the
 * single-machine DL4J run over the same minibatches in the same order, bit for bit. Each averaging round
 * sends the parameters and the updater state (PAMAdam's m and v) to the worker and back; the single
 * machine keeps them. Anything the round trip loses or changes (updater state, step counts behind the
 * bias correction, the per-tensor ratio step, the averaging itself) shows in the parameters.
 *
 * <p>The order: DL4J's parameter averaging cuts each epoch's RDD into rounds with its balanced random
 * split, seeded from the training master's seed; with one partition and one minibatch per round that is
 * a permutation of the minibatches, obtained here from DL4J's own {@link SparkUtils#balancedRandomSplit}
 * on the minibatch indexes with the same seeds.
 */
class OneWorkerEqualsLocalTest {
    static final int TRAIN = 400;
    static final int BATCH = 20;
    static final int EPOCHS = 2;
    static final long SEED = 11;

    @Test
    void oneWorkerAveragingEveryMinibatchIsTheSingleMachineRun() {
        List<DataSet> minibatches = SparkData.minibatches(TestData.fashionMnist().train().head(TRAIN), BATCH);
        MultiLayerConfiguration conf = Dl4jOptimizers.apply(FashionMnistSparkApp.mlp(784, 32, 7),
                Rule.pamAdam().lr(3e-3).build());
        SparkSettings settings = SparkSettings.builder().master("local[1]").workers(1).averagingFrequency(1)
                .epochs(EPOCHS).seed(SEED).conf("spark.ui.enabled", "false").build();

        List<int[]> orders = new ArrayList<>();
        SparkTrainingResult spark;
        try (JavaSparkContext sc = new JavaSparkContext(SparkTraining.sparkConf(settings))) {
            Random masterRng = new Random(SEED); // the training master's: one nextLong per epoch, for its split
            for (int e = 0; e < EPOCHS; e++) {
                orders.add(order(sc, minibatches.size(), masterRng.nextLong()));
            }
            spark = SparkTraining.run(sc, settings, conf, sc.parallelize(minibatches, 1), null, null);
        }
        assertEquals(EPOCHS, spark.epochs().size());
        assertEquals(TRAIN, spark.last().examples(), "every minibatch fitted once in the last epoch");

        MultiLayerNetwork local = new MultiLayerNetwork(conf.clone());
        local.init();
        Dl4jOptimizers.attach(local); // the step, as SparkTraining's AttachStep hook attaches it in the worker
        for (int[] order : orders) {
            for (int i : order) {
                local.fit(minibatches.get(i));
            }
        }
        assertArrayEquals(floats(local.params()), floats(spark.network().params()), "parameters");
        assertArrayEquals(floats(local.getUpdater().getStateViewArray()),
                floats(spark.network().getUpdater().getStateViewArray()), "updater state (m, v, counters)");
    }

    /** The minibatch indexes in the order of DL4J's rounds: its split of one partition, one per round. */
    private static int[] order(JavaSparkContext sc, int n, long seed) {
        JavaRDD<Integer> indexes = sc.parallelize(IntStream.range(0, n).boxed().toList(), 1);
        JavaRDD<Integer>[] rounds = SparkUtils.balancedRandomSplit(n, 1, indexes, seed);
        int[] order = new int[n];
        for (int r = 0; r < n; r++) {
            List<Integer> round = rounds[r].collect();
            assertEquals(1, round.size(), "one minibatch per round");
            order[r] = round.get(0);
        }
        assertEquals(IntStream.range(0, n).boxed().toList(),
                IntStream.of(order).sorted().boxed().toList(), "a permutation");
        return order;
    }

    private static float[] floats(org.nd4j.linalg.api.ndarray.INDArray a) {
        return a.dup('c').data().asFloat();
    }
}
