/**
 * PAMAdam-family rules on Spark: DL4J's parameter averaging ({@code dl4j-spark_2.12} 1.0.0-M2, Spark
 * 3.1.2) for networks configured with {@code org.pamadam.dl4j.Dl4jOptimizers}.
 *
 * <pre>{@code
 * MultiLayerConfiguration conf = Dl4jOptimizers.apply(myConf, Rule.pamAdam().lr(3e-3).build());
 * SparkTrainingResult r = SparkTraining.run(
 *         SparkSettings.builder().master("local[2]").workers(2).averagingFrequency(10).epochs(5).build(),
 *         conf, trainMinibatches, testSet, m -> System.out.println(m.epoch() + ": " + m.testAccuracy()));
 * }</pre>
 *
 * <ul>
 *   <li>{@link org.pamadam.dl4j.spark.SparkTraining}: the entry points, and the Spark configuration and
 *       Java 17 options they use;</li>
 *   <li>{@link org.pamadam.dl4j.spark.SparkSettings}: master, workers, averaging frequency, epochs;</li>
 *   <li>{@link org.pamadam.dl4j.spark.EpochMetrics} and {@link org.pamadam.dl4j.spark.ExecutorReport}:
 *       per epoch, and per executor JVM as recorded there by
 *       {@link org.pamadam.dl4j.spark.ExecutorProbe};</li>
 *   <li>{@link org.pamadam.dl4j.spark.FashionMnistSparkApp}: the application for {@code spark-submit}.</li>
 * </ul>
 */
package org.pamadam.dl4j.spark;
