package org.pamadam.cli.train;

import java.util.List;

/** The training engines by name. */
public final class Engines {
    public static final List<String> NAMES = List.of("djl", "dl4j", "dl4j-spark");

    private Engines() {
    }

    /** Spark settings are used by dl4j-spark only. */
    public static TrainingEngine get(String name, String sparkMaster, int workers, int averagingFrequency) {
        return get(name, sparkMaster, workers, averagingFrequency, Models.Init.DJL);
    }

    /** As above; {@code init} other than DJL's default is offered by the djl engine only. */
    public static TrainingEngine get(String name, String sparkMaster, int workers, int averagingFrequency,
                                     Models.Init init) {
        if (init != Models.Init.DJL && !name.equals("djl")) {
            throw new IllegalArgumentException("--init " + init.name().toLowerCase(java.util.Locale.ROOT)
                    + " is offered by the djl engine only (engine '" + name + "' uses DL4J's Xavier default)");
        }
        switch (name) {
            case "djl": return new DjlTraining(init);
            case "dl4j": return new Dl4jTraining();
            case "dl4j-spark": return new SparkEngine(sparkMaster, workers, averagingFrequency);
            default:
                throw new IllegalArgumentException("unknown training engine '" + name + "', available: "
                        + String.join(", ", NAMES));
        }
    }
}
