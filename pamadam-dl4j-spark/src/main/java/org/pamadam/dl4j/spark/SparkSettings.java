package org.pamadam.dl4j.spark;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * How {@link SparkTraining} runs: the Spark master, the parameter-averaging schedule and a few Spark
 * properties. Immutable; build with {@link #builder()}.
 *
 * <pre>{@code
 * SparkSettings s = SparkSettings.builder()
 *         .master("local[2]")          // or "spark://host:7077"; leave unset under spark-submit
 *         .workers(2)                  // parallel training workers (0: Spark's default parallelism)
 *         .averagingFrequency(5)       // minibatches each worker fits between two averagings
 *         .epochs(3)
 *         .build();
 * }</pre>
 */
public final class SparkSettings {
    /** The application name shown by Spark unless {@link Builder#appName} says otherwise. */
    public static final String DEFAULT_APP_NAME = "pamadam-dl4j-spark";

    private final String master;
    private final String appName;
    private final int workers;
    private final int batchSizePerWorker;
    private final int averagingFrequency;
    private final int epochs;
    private final int prefetchBatches;
    private final long seed;
    private final boolean measureSteps;
    private final double maxGradNorm;
    private final String logLevel;
    private final Map<String, String> sparkConf;

    private SparkSettings(Builder b) {
        this.master = b.master;
        this.appName = b.appName;
        this.workers = b.workers;
        this.batchSizePerWorker = b.batchSizePerWorker;
        this.averagingFrequency = b.averagingFrequency;
        this.epochs = b.epochs;
        this.prefetchBatches = b.prefetchBatches;
        this.seed = b.seed;
        this.measureSteps = b.measureSteps;
        this.maxGradNorm = b.maxGradNorm;
        this.logLevel = b.logLevel;
        this.sparkConf = Collections.unmodifiableMap(new LinkedHashMap<>(b.sparkConf));
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these settings, to change some of them. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.master = master;
        b.appName = appName;
        b.workers = workers;
        b.batchSizePerWorker = batchSizePerWorker;
        b.averagingFrequency = averagingFrequency;
        b.epochs = epochs;
        b.prefetchBatches = prefetchBatches;
        b.seed = seed;
        b.measureSteps = measureSteps;
        b.maxGradNorm = maxGradNorm;
        b.logLevel = logLevel;
        b.sparkConf.putAll(sparkConf);
        return b;
    }

    /** The Spark master URL, or null to take it from the environment ({@code spark-submit --master}). */
    public String master() {
        return master;
    }

    public String appName() {
        return appName;
    }

    /**
     * Number of parallel training workers; 0 for Spark's default parallelism (total executor cores). Set
     * it on a cluster: executors register after the context starts, so the default may not count them.
     */
    public int workers() {
        return workers;
    }

    /** Examples in each minibatch a worker fits; 0 for the size of the training DataSets. */
    public int batchSizePerWorker() {
        return batchSizePerWorker;
    }

    /** Minibatches each worker fits between two parameter (and updater state) averagings. */
    public int averagingFrequency() {
        return averagingFrequency;
    }

    public int epochs() {
        return epochs;
    }

    /** Minibatches each worker prefetches asynchronously (0: none). */
    public int prefetchBatches() {
        return prefetchBatches;
    }

    /** Seed of the training master's random split of the data into averaging rounds. */
    public long seed() {
        return seed;
    }

    /**
     * Whether executors also measure every step: {@code mean|p' - p| / mean|p|} per tensor, divided by
     * the learning rate (exactly 1 for PAMAdam without weight decay). Copies the parameters before
     * each minibatch, so it is meant for checks and small networks.
     */
    public boolean measureSteps() {
        return measureSteps;
    }

    /**
     * The global gradient-norm bound of every worker's step ({@code clip_grad_norm_} on the mean
     * gradient of the worker's minibatch); +infinity (the default): no clipping.
     */
    public double maxGradNorm() {
        return maxGradNorm;
    }

    /** Spark's log level after start-up ("WARN" unless set; null leaves Spark's configuration alone). */
    public String logLevel() {
        return logLevel;
    }

    /** Further Spark properties, applied when {@link SparkTraining} creates the context. */
    public Map<String, String> sparkConf() {
        return sparkConf;
    }

    @Override
    public String toString() {
        return "SparkSettings(master=" + (master == null ? "<from spark-submit>" : master) + ", workers="
                + (workers == 0 ? "default" : workers) + ", batchSizePerWorker="
                + (batchSizePerWorker == 0 ? "as data" : batchSizePerWorker) + ", averagingFrequency="
                + averagingFrequency + ", epochs=" + epochs + ", prefetchBatches=" + prefetchBatches + ", seed="
                + seed + ", measureSteps=" + measureSteps
                + (maxGradNorm == Double.POSITIVE_INFINITY ? "" : ", maxGradNorm=" + maxGradNorm)
                + ", sparkConf=" + sparkConf + ")";
    }

    /** Collects settings; {@link #build()} validates them. */
    public static final class Builder {
        private String master;
        private String appName = DEFAULT_APP_NAME;
        private int workers;
        private int batchSizePerWorker;
        private int averagingFrequency = 5;
        private int epochs = 1;
        private int prefetchBatches;
        private long seed = 12345L;
        private boolean measureSteps;
        private double maxGradNorm = Double.POSITIVE_INFINITY;
        private String logLevel = "WARN";
        private final Map<String, String> sparkConf = new LinkedHashMap<>();

        private Builder() {
        }

        /** "local[N]", "spark://host:port", ...; null (the default) takes it from spark-submit. */
        public Builder master(String master) {
            this.master = master;
            return this;
        }

        public Builder appName(String appName) {
            this.appName = appName;
            return this;
        }

        /** Parallel training workers; 0 (the default) for Spark's default parallelism. */
        public Builder workers(int workers) {
            this.workers = workers;
            return this;
        }

        /** Minibatch size of each worker; 0 (the default) for the size of the training DataSets. */
        public Builder batchSizePerWorker(int batchSizePerWorker) {
            this.batchSizePerWorker = batchSizePerWorker;
            return this;
        }

        /** Minibatches between averagings (default 5). */
        public Builder averagingFrequency(int averagingFrequency) {
            this.averagingFrequency = averagingFrequency;
            return this;
        }

        /** Passes over the training data (default 1). */
        public Builder epochs(int epochs) {
            this.epochs = epochs;
            return this;
        }

        public Builder prefetchBatches(int prefetchBatches) {
            this.prefetchBatches = prefetchBatches;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder measureSteps(boolean measureSteps) {
            this.measureSteps = measureSteps;
            return this;
        }

        /** Clips each worker step's gradients to this global norm (+infinity, the default: no clipping). */
        public Builder maxGradNorm(double maxGradNorm) {
            this.maxGradNorm = maxGradNorm;
            return this;
        }

        /** ALL, DEBUG, INFO, WARN (default), ERROR, OFF; null leaves Spark's log configuration alone. */
        public Builder logLevel(String logLevel) {
            this.logLevel = logLevel;
            return this;
        }

        /** One Spark property, e.g. {@code spark.executor.memory}. */
        public Builder conf(String key, String value) {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
            sparkConf.put(key, value);
            return this;
        }

        /**
         * @throws IllegalArgumentException for an invalid setting, naming it and its value
         */
        public SparkSettings build() {
            requireAtLeast("workers", workers, 0);
            requireAtLeast("batchSizePerWorker", batchSizePerWorker, 0);
            requireAtLeast("averagingFrequency", averagingFrequency, 1);
            requireAtLeast("epochs", epochs, 1);
            requireAtLeast("prefetchBatches", prefetchBatches, 0);
            if (!(maxGradNorm > 0.0)) {
                throw new IllegalArgumentException("SparkSettings: maxGradNorm must be > 0 (+Infinity for no "
                        + "clipping), got " + maxGradNorm);
            }
            if (master != null && master.isBlank()) {
                throw new IllegalArgumentException("SparkSettings: master must not be blank (null takes it from "
                        + "spark-submit)");
            }
            if (appName == null || appName.isBlank()) {
                throw new IllegalArgumentException("SparkSettings: appName must not be blank");
            }
            if (logLevel != null) {
                String l = logLevel.toUpperCase(Locale.ROOT);
                if (!java.util.List.of("ALL", "DEBUG", "INFO", "WARN", "ERROR", "FATAL", "TRACE", "OFF").contains(l)) {
                    throw new IllegalArgumentException("SparkSettings: logLevel must be one of ALL, TRACE, DEBUG, "
                            + "INFO, WARN, ERROR, FATAL, OFF, got '" + logLevel + "'");
                }
                logLevel = l;
            }
            return new SparkSettings(this);
        }

        private static void requireAtLeast(String name, int value, int min) {
            if (value < min) {
                throw new IllegalArgumentException("SparkSettings: " + name + " must be >= " + min + ", got " + value);
            }
        }
    }
}
