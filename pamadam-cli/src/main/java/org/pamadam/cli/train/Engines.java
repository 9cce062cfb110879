package org.pamadam.cli.train;

import java.util.List;

/** The training engines by name. */
public final class Engines {
    public static final List<String> NAMES = List.of("djl", "dl4j", "dl4j-spark");

    private Engines() {
    }

    /** Spark settings are used by dl4j-spark only. */
    public static TrainingEngine get(String name, String sparkMaster, int workers, int averagingFrequency) {
        switch (name) {
            case "djl": return new DjlTraining();
            case "dl4j": return new Dl4jTraining();
            case "dl4j-spark": return new SparkEngine(sparkMaster, workers, averagingFrequency);
            default:
                throw new IllegalArgumentException("unknown training engine '" + name + "', available: "
                        + String.join(", ", NAMES));
        }
    }
}
