package org.pamadam.cli.train;

import java.util.List;

/** The training engines by name. */
public final class Engines {
    public static final List<String> NAMES = List.of("djl");

    private Engines() {
    }

    public static TrainingEngine get(String name) {
        if (name.equals("djl")) {
            return new DjlTraining();
        }
        throw new IllegalArgumentException("unknown training engine '" + name + "', available: "
                + String.join(", ", NAMES) + " (DL4J on one machine and on Spark are not wired into train yet)");
    }
}
