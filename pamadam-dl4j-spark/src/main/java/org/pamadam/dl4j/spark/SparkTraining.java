package org.pamadam.dl4j.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.log4j.ConsoleAppender;
import org.apache.log4j.Level;
import org.apache.log4j.Logger;
import org.apache.log4j.PatternLayout;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Trains a DL4J {@link MultiLayerNetwork}, configured with any updater (PAMAdam through
 * {@code Dl4jOptimizers.apply(conf, rule)}), on Spark with DL4J's {@link ParameterAveragingTrainingMaster}:
 * every worker fits {@link SparkSettings#averagingFrequency()} minibatches from the network's current
 * parameters and updater state, then the driver averages parameters and updater state. Data go to the
 * workers directly ({@link RDDTrainingApproach#Direct}: no shared file system needed).
 *
 * <pre>{@code
 * MultiLayerConfiguration conf = Dl4jOptimizers.apply(myConf, Rule.pamAdam().lr(3e-3).build());
 * SparkTrainingResult r = SparkTraining.run(
 *         SparkSettings.builder().master("local[2]").epochs(3).build(), conf, minibatches, testSet,
 *         m -> System.out.printf("epoch %d: test accuracy %.4f%n", m.epoch(), m.testAccuracy()));
 * }</pre>
 *
 * <p>Each executor reports, through a Spark accumulator, the minibatches it fitted, their loss, the
 * updater configurations it deserialised, the step attached there and the trust ratios they produced
 * there ({@link EpochMetrics#executors()}).
 *
 * <p>Java 17: the driver JVM needs {@link #JAVA_OPTIONS} (checked by {@link #checkDriverJvm()}); the
 * executors get them through {@code spark.executor.extraJavaOptions}, which {@link #sparkConf} fills in.
 */
public final class SparkTraining {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SparkTraining.class);

    /**
     * JVM options Spark 3.1 needs on Java 17 (the {@code --add-opens} list that later Spark versions add
     * themselves). Give them to the driver JVM; {@link #sparkConf} adds them to the executors'.
     */
    public static final List<String> JAVA_OPTIONS = List.of(
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/java.net=ALL-UNNAMED",
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.cs=ALL-UNNAMED",
            "--add-opens=java.base/sun.security.action=ALL-UNNAMED",
            "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED");

    /**
     * Packages of java.base without which Spark 3.1 fails on Java 17 in the driver; {@link #checkDriverJvm()}
     * refuses to start without them.
     */
    static final List<String> DRIVER_REQUIRED_OPENS = List.of("java.nio", "sun.nio.ch");

    /** Executors also get the SIMD kernel of pamadam-core, as a driver started by ./pamadam has. */
    static final String VECTOR_MODULE = "--add-modules=jdk.incubator.vector";

    private SparkTraining() {
    }

    /**
     * Starts a Spark context as {@code settings} say, trains on {@code train} for
     * {@link SparkSettings#epochs()} epochs, evaluates on {@code test} after each, stops the context.
     *
     * @param conf     the network configuration with its updater set (e.g. by {@code Dl4jOptimizers.apply});
     *                 cloned, not changed
     * @param train    minibatches (features and labels); all but the last should have the same size
     * @param test     the test set, evaluated on the driver after each epoch (null: no test metrics, NaN)
     * @param listener told about each epoch as it ends (null: nobody)
     * @throws IllegalStateException    when this JVM lacks {@link #JAVA_OPTIONS} Spark cannot do without
     * @throws IllegalArgumentException for empty training data or no Spark master
     */
    public static SparkTrainingResult run(SparkSettings settings, MultiLayerConfiguration conf, List<DataSet> train,
                                          DataSet test, EpochListener listener) {
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(conf, "conf");
        Objects.requireNonNull(train, "train");
        if (train.isEmpty()) {
            throw new IllegalArgumentException("SparkTraining: no training data");
        }
        for (int i = 0; i < train.size(); i++) {
            DataSet d = train.get(i);
            if (d == null || d.getFeatures() == null || d.getLabels() == null || d.numExamples() == 0) {
                throw new IllegalArgumentException("SparkTraining: training DataSet " + i
                        + " is null, empty or lacks features or labels");
            }
        }
        checkDriverJvm();
        quietLogging(settings.logLevel()); // before any Spark class logs (SparkConf's constants do)
        SparkConf sparkConf = sparkConf(settings);
        try (JavaSparkContext sc = new JavaSparkContext(sparkConf)) {
            if (settings.logLevel() != null) {
                sc.setLogLevel(settings.logLevel());
            }
            int partitions = settings.workers() > 0 ? settings.workers() : sc.defaultParallelism();
            JavaRDD<DataSet> rdd = sc.parallelize(train, Math.max(1, Math.min(partitions, train.size())));
            long examples = train.stream().mapToLong(DataSet::numExamples).sum();
            return train(sc, settings, conf, rdd, examples, test, listener);
        }
    }

    /**
     * Trains on an RDD in a Spark context that the caller owns (a spark-submit application that reads
     * its data in the executors); {@link SparkSettings#master()}, {@code sparkConf} and {@code logLevel}
     * are not used. The RDD is not cached here (the training master persists what it needs).
     *
     * @param train DataSets, all of the same number of examples (except perhaps a few smaller ones)
     */
    public static SparkTrainingResult run(JavaSparkContext sc, SparkSettings settings, MultiLayerConfiguration conf,
                                          JavaRDD<DataSet> train, DataSet test, EpochListener listener) {
        Objects.requireNonNull(sc, "sc");
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(conf, "conf");
        Objects.requireNonNull(train, "train");
        return train(sc, settings, conf, train, -1, test, listener);
    }

    private static SparkTrainingResult train(JavaSparkContext sc, SparkSettings settings, MultiLayerConfiguration conf,
                                             JavaRDD<DataSet> train, long totalExamples, DataSet test,
                                             EpochListener listener) {
        EpochListener tell = listener == null ? EpochListener.NONE : listener;
        if (train.isEmpty()) {
            throw new IllegalArgumentException("SparkTraining: no training data");
        }
        int examplesPerDataSet = train.first().numExamples();
        int batch = settings.batchSizePerWorker() > 0 ? settings.batchSizePerWorker() : examplesPerDataSet;

        MultiLayerNetwork net = new MultiLayerNetwork(conf.clone());
        net.init();
        ExecutorReportAccumulator reports = new ExecutorReportAccumulator();
        sc.sc().register(reports, "pamadam executor reports");
        ParameterAveragingTrainingMaster master = new ParameterAveragingTrainingMaster.Builder(
                settings.workers() > 0 ? Integer.valueOf(settings.workers()) : null, examplesPerDataSet)
                .batchSizePerWorker(batch)
                .averagingFrequency(settings.averagingFrequency())
                .workerPrefetchNumBatches(settings.prefetchBatches())
                .saveUpdater(true)
                .rddTrainingApproach(RDDTrainingApproach.Direct)
                .rngSeed(settings.seed())
                .trainingHooks(new AttachStep(org.pamadam.dl4j.NetworkStep.Settings.defaults()
                                .maxGradNorm(settings.maxGradNorm())),
                        new ExecutorProbe(reports, settings.measureSteps()))
                .build();
        SparkDl4jMultiLayer sparkNet = new SparkDl4jMultiLayer(sc, net, master);

        List<EpochMetrics> epochs = new ArrayList<>();
        for (int epoch = 1; epoch <= settings.epochs(); epoch++) {
            reports.reset();
            long t0 = System.nanoTime();
            sparkNet.fit(train);
            double seconds = (System.nanoTime() - t0) / 1e9;
            List<ExecutorReport> executors = reports.value();
            long examples = 0;
            double lossSum = 0;
            for (ExecutorReport r : executors) {
                examples += r.examples();
                lossSum += r.lossSum();
            }
            if (totalExamples > 0 && examples < totalExamples) {
                LOG.warn("epoch {}: parameter averaging fitted {} of the {} training examples. DL4J's workers fit at "
                        + "most averagingFrequency ({}) minibatches per averaging round and skip the rest of their "
                        + "partition; a number of minibatches that is a multiple of workers x averagingFrequency "
                        + "avoids that", epoch, examples, totalExamples, settings.averagingFrequency());
            }
            MultiLayerNetwork trained = sparkNet.getNetwork();
            double testLoss = Double.NaN;
            double testAccuracy = Double.NaN;
            if (test != null) {
                testLoss = trained.score(test);
                testAccuracy = accuracy(trained, test);
            }
            EpochMetrics m = new EpochMetrics(epoch, examples == 0 ? Double.NaN : lossSum / examples, testLoss,
                    testAccuracy, seconds, executors);
            epochs.add(m);
            tell.onEpoch(m);
        }
        return new SparkTrainingResult(sparkNet.getNetwork(), epochs);
    }

    /**
     * The Spark configuration {@link #run(SparkSettings, MultiLayerConfiguration, List, DataSet, EpochListener)}
     * starts with: the spark.* system properties (what spark-submit passes), the master and app name of
     * {@code settings}, its further properties, and {@link #JAVA_OPTIONS} added to
     * {@code spark.executor.extraJavaOptions}. When {@code spark.executor.cores} is set, executors get
     * {@code OMP_NUM_THREADS} equal to it (unless set), so that ND4J does not use every core of the host
     * in every executor.
     *
     * @throws IllegalArgumentException when neither {@code settings} nor the environment gives a master
     */
    public static SparkConf sparkConf(SparkSettings settings) {
        SparkConf c = new SparkConf();
        if (settings.master() != null) {
            c.setMaster(settings.master());
        } else if (!c.contains("spark.master")) {
            throw new IllegalArgumentException("SparkTraining: no Spark master; set one (e.g. local[2] or "
                    + "spark://host:7077) or launch the application with spark-submit");
        }
        if (!c.contains("spark.app.name") || !SparkSettings.DEFAULT_APP_NAME.equals(settings.appName())) {
            c.setAppName(settings.appName());
        }
        for (Map.Entry<String, String> e : settings.sparkConf().entrySet()) {
            c.set(e.getKey(), e.getValue());
        }
        StringBuilder opts = new StringBuilder(c.get("spark.executor.extraJavaOptions", "").trim());
        List<String> wanted = new ArrayList<>(JAVA_OPTIONS);
        wanted.add(VECTOR_MODULE);
        for (String o : wanted) {
            if (!opts.toString().contains(o)) {
                opts.append(opts.length() == 0 ? "" : " ").append(o);
            }
        }
        c.set("spark.executor.extraJavaOptions", opts.toString());
        if (c.contains("spark.executor.cores")) {
            c.setIfMissing("spark.executorEnv.OMP_NUM_THREADS", c.get("spark.executor.cores"));
        }
        return c;
    }

    /**
     * Checks that this JVM opens the java.base packages without which Spark 3.1 fails on Java 17.
     *
     * @throws IllegalStateException naming the options to add
     */
    public static void checkDriverJvm() {
        Module base = Object.class.getModule();
        Module us = SparkTraining.class.getModule();
        List<String> missing = new ArrayList<>();
        for (String pkg : DRIVER_REQUIRED_OPENS) {
            if (!base.isOpen(pkg, us)) {
                missing.add("--add-opens=java.base/" + pkg + "=ALL-UNNAMED");
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException("Spark 3.1 on Java " + Runtime.version().feature()
                    + " needs JVM options this JVM was started without: " + String.join(" ", missing)
                    + " (best all of SparkTraining.JAVA_OPTIONS: " + String.join(" ", JAVA_OPTIONS) + ")");
        }
    }

    /** Fraction of {@code test} whose arg-max output matches the arg-max label (one-hot labels). */
    static double accuracy(MultiLayerNetwork net, DataSet test) {
        INDArray labels = test.getLabels();
        if (labels.rank() != 2 || labels.size(1) < 2) {
            return Double.NaN;
        }
        INDArray predicted = net.output(test.getFeatures(), false).argMax(1);
        INDArray actual = labels.argMax(1);
        long n = actual.length();
        long correct = 0;
        for (long i = 0; i < n; i++) {
            if (predicted.getLong(i) == actual.getLong(i)) {
                correct++;
            }
        }
        return correct / (double) n;
    }

    /**
     * Gives log4j (Spark 3.1's logging) a console appender at {@code level} when nothing has configured
     * it, so that Spark's start-up does not print its INFO lines; a configured log4j is left alone.
     */
    private static void quietLogging(String level) {
        if (level == null) {
            return;
        }
        Logger root = Logger.getRootLogger();
        if (!root.getAllAppenders().hasMoreElements()) {
            root.addAppender(new ConsoleAppender(new PatternLayout("%d{HH:mm:ss} %p %c{1}: %m%n"),
                    ConsoleAppender.SYSTEM_ERR));
            root.setLevel(Level.toLevel(level));
        }
    }
}
