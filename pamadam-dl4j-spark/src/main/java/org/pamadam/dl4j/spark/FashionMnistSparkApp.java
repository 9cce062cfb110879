package org.pamadam.dl4j.spark;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.pamadam.data.FashionMnist;
import org.pamadam.data.ImageSet;
import org.pamadam.dl4j.Dl4jOptimizers;
import org.pamadam.rule.Rule;

/**
 * The Spark application of this module, for {@code spark-submit}: trains a 784-hidden-10 MLP on
 * Fashion-MNIST with PAMAdam (or another rule) by parameter averaging and prints one line per epoch
 * and per executor. The driver loads the data (the bundled subset, or {@code --data DIR} with the four
 * IDX files) and distributes it. See README.md.
 *
 * <pre>
 * spark-submit --class org.pamadam.dl4j.spark.FashionMnistSparkApp --master spark://host:7077 \
 *   pamadam-dl4j-spark-*-spark-app.jar --epochs 3 --workers 4
 * </pre>
 */
public final class FashionMnistSparkApp {
    private static final String USAGE = String.join("\n",
            "Usage: spark-submit [spark options] --class " + FashionMnistSparkApp.class.getName()
                    + " <jar> [options]",
            "  --data DIR                 Fashion-MNIST IDX files (default: the bundled 10k/2k subset)",
            "  --train N                  use the first N training images (default: all)",
            "  --optimizer NAME           pamadam (default), adam, adamw, lamb or sgd",
            "  --lr X                     learning rate (default 3e-3)",
            "  --epochs N                 (default 3)",
            "  --batch N                  minibatch size of each worker (default 32)",
            "  --workers N                parallel workers (default: Spark's default parallelism)",
            "  --averaging-frequency N    minibatches between averagings (default 5)",
            "  --hidden N                 hidden units (default 128)",
            "  --seed N                   (default 42)",
            "  --master URL               only without spark-submit (e.g. local[2])",
            "  --measure-steps            executors also measure mean|step| / (lr * mean|p|) per tensor");

    private FashionMnistSparkApp() {
    }

    public static void main(String[] args) throws IOException {
        int code;
        try {
            code = run(args, System.out);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println(USAGE);
            code = 2;
        }
        if (code != 0) {
            System.exit(code);
        }
    }

    /** Runs with {@code args}, printing to {@code out}; returns the exit code. */
    static int run(String[] args, PrintStream out) throws IOException {
        Path data = null;
        int trainLimit = Integer.MAX_VALUE;
        String optimizer = "pamadam";
        double lr = 3e-3;
        int batch = 32;
        int hidden = 128;
        long seed = 42;
        // Under spark-submit, Spark's log configuration is the user's; with --master, WARN (see below).
        SparkSettings.Builder settings = SparkSettings.builder().epochs(3).logLevel(null);
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "-h":
                case "--help":
                    out.println(USAGE);
                    return 0;
                case "--measure-steps":
                    settings.measureSteps(true);
                    continue;
                default:
                    break;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("unknown option or missing value: " + a);
            }
            String v = args[++i];
            switch (a) {
                case "--data" -> data = Path.of(v);
                case "--train" -> trainLimit = positive(a, v);
                case "--optimizer" -> optimizer = v;
                case "--lr" -> lr = number(a, v);
                case "--epochs" -> settings.epochs(positive(a, v));
                case "--batch" -> batch = positive(a, v);
                case "--workers" -> settings.workers(positive(a, v));
                case "--averaging-frequency" -> settings.averagingFrequency(positive(a, v));
                case "--hidden" -> hidden = positive(a, v);
                case "--seed" -> seed = (long) number(a, v);
                case "--master" -> settings.master(v).logLevel("WARN");
                default -> throw new IllegalArgumentException("unknown option: " + a);
            }
        }
        Rule rule = Rule.named(optimizer).lr(lr).build();
        FashionMnist.Data d = data == null ? FashionMnist.bundled() : FashionMnist.fromDirectory(data, "--data " + data);
        ImageSet train = d.train().head(trainLimit);
        List<DataSet> minibatches = SparkData.minibatches(train, batch);
        DataSet test = SparkData.all(d.test());
        SparkSettings s = settings.batchSizePerWorker(batch).seed(seed).build();
        out.printf(Locale.ROOT, "%s: %d training images in %d minibatches, %d test images; rule %s lr %s; %s%n",
                d.source(), train.count(), minibatches.size(), d.test().count(), rule.name(), lr, s);
        MultiLayerConfiguration conf = Dl4jOptimizers.apply(mlp(train.features(), hidden, seed), rule);
        SparkTrainingResult r = SparkTraining.run(s, conf, minibatches, test, m -> print(m, s.epochs(), out));
        out.printf(Locale.ROOT, "final test accuracy %.4f%n", r.last().testAccuracy());
        return 0;
    }

    /** A {@code inputs}-hidden-10 ReLU/softmax MLP (no updater set: apply a rule to it). */
    public static MultiLayerConfiguration mlp(int inputs, int hidden, long seed) {
        return new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.FLOAT)
                .weightInit(WeightInit.XAVIER)
                .biasInit(0.1)
                .list()
                .layer(new DenseLayer.Builder().nIn(inputs).nOut(hidden).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(hidden)
                        .nOut(SparkData.CLASSES).activation(Activation.SOFTMAX).build())
                .build();
    }

    /** One line for the epoch, one per executor. */
    static void print(EpochMetrics m, int epochs, PrintStream out) {
        out.printf(Locale.ROOT, "epoch %d/%d  train loss %.4f  test loss %.4f  test accuracy %.4f  %.1f s  (%d examples)%n",
                m.epoch(), epochs, m.trainLoss(), m.testLoss(), m.testAccuracy(), m.seconds(), m.examples());
        for (ExecutorReport e : m.executors()) {
            StringBuilder ratios = new StringBuilder();
            for (Map.Entry<String, Double> r : e.lastRatios().entrySet()) {
                ratios.append(String.format(Locale.ROOT, " %s=%.3g", r.getKey(), r.getValue()));
            }
            out.printf(Locale.ROOT, "  executor %s on %s pid %d: %d minibatches, %d examples, loss %.4f, "
                            + "updaters %s, last ratios:%s%s%n",
                    e.executorId(), e.host(), e.pid(), e.minibatches(), e.examples(), e.trainLoss(), e.updaters(),
                    ratios.length() == 0 ? " none" : ratios,
                    e.measuredSteps() == 0 ? "" : String.format(Locale.ROOT, ", step/(lr*mean|p|) in [%.6f, %.6f]",
                            e.stepOverLrMin(), e.stepOverLrMax()));
        }
    }

    private static int positive(String option, String value) {
        try {
            int n = Integer.parseInt(value);
            if (n < 1) {
                throw new IllegalArgumentException(option + " must be >= 1, got " + value);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " takes an integer, got '" + value + "'");
        }
    }

    private static double number(String option, String value) {
        try {
            return Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " takes a number, got '" + value + "'");
        }
    }
}
