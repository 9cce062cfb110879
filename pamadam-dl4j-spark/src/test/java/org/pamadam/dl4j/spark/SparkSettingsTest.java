package org.pamadam.dl4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

/** Settings, their validation and the Spark configuration made from them (no Spark context started). */
class SparkSettingsTest {

    @Test
    void defaults() {
        SparkSettings s = SparkSettings.builder().build();
        assertEquals(null, s.master());
        assertEquals(0, s.workers());
        assertEquals(0, s.batchSizePerWorker());
        assertEquals(5, s.averagingFrequency());
        assertEquals(1, s.epochs());
        assertEquals("WARN", s.logLevel());
        assertFalse(s.measureSteps());
        assertTrue(s.sparkConf().isEmpty());
    }

    @Test
    void invalidSettingsAreRefusedByName() {
        assertMessage("workers must be >= 0, got -1", () -> SparkSettings.builder().workers(-1).build());
        assertMessage("averagingFrequency must be >= 1, got 0",
                () -> SparkSettings.builder().averagingFrequency(0).build());
        assertMessage("epochs must be >= 1, got 0", () -> SparkSettings.builder().epochs(0).build());
        assertMessage("batchSizePerWorker must be >= 0, got -3",
                () -> SparkSettings.builder().batchSizePerWorker(-3).build());
        assertMessage("master must not be blank", () -> SparkSettings.builder().master(" ").build());
        assertMessage("logLevel must be one of", () -> SparkSettings.builder().logLevel("LOUD").build());
    }

    @Test
    void toBuilderKeepsEverything() {
        SparkSettings s = SparkSettings.builder().master("local[3]").workers(3).batchSizePerWorker(16)
                .averagingFrequency(7).epochs(4).prefetchBatches(2).seed(9).measureSteps(true).logLevel("error")
                .conf("spark.executor.memory", "2g").build();
        assertEquals(s.toString(), s.toBuilder().build().toString());
        assertEquals("ERROR", s.logLevel());
    }

    @Test
    void sparkConfAddsTheJava17OptionsToTheExecutorsOnce() {
        SparkSettings s = SparkSettings.builder().master("spark://example:7077")
                .conf("spark.executor.extraJavaOptions", "-Xss4m --add-opens=java.base/java.nio=ALL-UNNAMED")
                .conf("spark.executor.cores", "4")
                .build();
        SparkConf c = SparkTraining.sparkConf(s);
        assertEquals("spark://example:7077", c.get("spark.master"));
        assertEquals(SparkSettings.DEFAULT_APP_NAME, c.get("spark.app.name"));
        String opts = c.get("spark.executor.extraJavaOptions");
        assertTrue(opts.startsWith("-Xss4m "), opts);
        for (String o : SparkTraining.JAVA_OPTIONS) {
            assertEquals(1, Arrays.stream(opts.split(" ")).filter(o::equals).count(), o + " once in " + opts);
        }
        assertTrue(opts.contains("--add-modules=jdk.incubator.vector"), opts);
        assertEquals("4", c.get("spark.executorEnv.OMP_NUM_THREADS"), "ND4J threads follow the executor's cores");
        // applying it again changes nothing
        SparkSettings again = s.toBuilder().conf("spark.executor.extraJavaOptions", opts).build();
        assertEquals(opts, SparkTraining.sparkConf(again).get("spark.executor.extraJavaOptions"));
    }

    @Test
    void withoutMasterTheEnvironmentMustGiveOne() {
        String before = System.getProperty("spark.master");
        try {
            System.clearProperty("spark.master");
            assertMessage("no Spark master", () -> SparkTraining.sparkConf(SparkSettings.builder().build()));
            System.setProperty("spark.master", "local[1]"); // what spark-submit does
            assertEquals("local[1]", SparkTraining.sparkConf(SparkSettings.builder().build()).get("spark.master"));
        } finally {
            if (before == null) {
                System.clearProperty("spark.master");
            } else {
                System.setProperty("spark.master", before);
            }
        }
    }

    @Test
    void theTestJvmHasTheOptionsSparkNeeds() {
        SparkTraining.checkDriverJvm(); // the build passes them; the check itself names what is missing
    }

    private static void assertMessage(String part, org.junit.jupiter.api.function.Executable e) {
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, e);
        assertTrue(x.getMessage().contains(part), "message '" + x.getMessage() + "' should contain '" + part + "'");
    }
}
