package org.pamadam.dl4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;
import org.pamadam.data.ImageSet;

/** The application's command line and data helpers (no Spark context). */
class FashionMnistSparkAppTest {

    @Test
    void helpAndBadOptions() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        assertEquals(0, FashionMnistSparkApp.run(new String[] {"--help"}, new PrintStream(bytes, true, "UTF-8")));
        assertTrue(bytes.toString(StandardCharsets.UTF_8).contains("--averaging-frequency N"));
        PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, "UTF-8");
        assertThrows(IllegalArgumentException.class, () -> FashionMnistSparkApp.run(new String[] {"--bogus", "1"}, out));
        assertThrows(IllegalArgumentException.class, () -> FashionMnistSparkApp.run(new String[] {"--epochs", "0"}, out));
        assertThrows(IllegalArgumentException.class, () -> FashionMnistSparkApp.run(new String[] {"--lr"}, out));
        assertThrows(IllegalArgumentException.class,
                () -> FashionMnistSparkApp.run(new String[] {"--optimizer", "nope"}, out));
    }

    @Test
    void minibatchesCoverTheSetInOrderWithOneHotLabels() {
        ImageSet set = TestData.fashionMnist().test().head(70);
        List<DataSet> batches = SparkData.minibatches(set, 32);
        assertEquals(List.of(32, 32, 6), batches.stream().map(DataSet::numExamples).toList());
        DataSet last = batches.get(2);
        assertEquals(set.pixels()[64 * 784 + 400], last.getFeatures().getFloat(0, 400), 0f);
        assertEquals(set.labels()[69], last.getLabels().argMax(1).getInt(5));
        assertEquals(6.0, last.getLabels().sumNumber().doubleValue(), 0.0, "one label per image");
    }
}
