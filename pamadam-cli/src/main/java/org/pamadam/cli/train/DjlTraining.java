package org.pamadam.cli.train;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import java.util.Map;
import org.pamadam.data.FashionMnist;
import org.pamadam.data.ImageSet;
import org.pamadam.djl.RuleOptimizer;
import org.pamadam.state.Checkpoint;
import org.pamadam.state.CheckpointException;

/**
 * Trains with DJL on the PyTorch CPU engine, with this project's DJL optimizers.
 *
 * <p>For measuring only: the system property {@code pamadam.djl.builtin} replaces this project's
 * optimizer with one of DJL's own in the same loop, {@code adam} (DJL's {@code Adam} at the run's
 * lr, default betas and eps: the floor of the optimizer's share of an epoch) or {@code none} (an
 * optimizer that updates nothing: what DJL's parameter store costs alone). Such a run takes no
 * recipe option and saves no checkpoint; its metrics say nothing about the optimizer named. The
 * system property {@code pamadam.djl.threads} sets the optimizer's threads ({@code optThreads};
 * default min(4, cores)), to measure how its step shares the cores with PyTorch's own threads.
 */
public final class DjlTraining implements TrainingEngine {
    /** The system property that selects one of DJL's own optimizers (see the class description). */
    public static final String BUILTIN = "pamadam.djl.builtin";
    /** The system property that sets the optimizer's threads (see the class description). */
    public static final String THREADS = "pamadam.djl.threads";
    private final Models.Init init;

    /** With DJL's default initialisation. */
    public DjlTraining() {
        this(Models.Init.DJL);
    }

    /** With the given initialisation of the models' weights. */
    public DjlTraining(Models.Init init) {
        this.init = init;
    }

    @Override
    public String name() {
        return "djl";
    }

    @Override
    public Session open(RunSpec spec, FashionMnist.Data data) {
        if (System.getenv("DJL_OFFLINE") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        Engine engine = Engine.getEngine("PyTorch");
        engine.setRandomSeed((int) spec.seed());
        Model model = Model.newInstance("study-" + spec.model(), Device.cpu());
        model.setBlock(Models.build(spec.model(), init));
        Recipe recipe = spec.recipe();
        String builtin = System.getProperty(BUILTIN);
        if (builtin != null) {
            return openBuiltin(builtin, spec, data, model);
        }
        RuleOptimizer.Builder builder = RuleOptimizer.forRule(recipe.rule(spec.optimizer(), spec.lr()));
        if (recipe.noTrustRatio() != null) {
            builder.optNoAdapt(plainStepRegex(recipe.noTrustRatio(), model.getBlock()));
        }
        if (recipe.maxGradNorm() != null) {
            builder.optMaxGradNorm(recipe.maxGradNorm().floatValue());
        }
        // k Trainer.step() calls make one optimizer step (PyTorch sums the k gradients in place).
        builder.optAccumulate(recipe.accumulate());
        int batches = (data.train().count() + spec.batchSize() - 1) / spec.batchSize();
        org.pamadam.schedule.Schedule schedule = recipe.schedule(recipe.optimizerSteps(spec.epochs(), batches));
        if (schedule != null) {
            double base = spec.lr();
            // The bound optimizer asks its tracker with its own count of optimizer steps plus one:
            // windows, not micro-batches, and restored with a checkpoint.
            builder.optLearningRateTracker((id, step) -> (float) schedule.lr(base, step - 1L));
        }
        String threads = System.getProperty(THREADS);
        if (threads != null) {
            builder.optThreads(parseThreads(threads));
        }
        RuleOptimizer optimizer = builder.build();
        Trainer trainer = model.newTrainer(new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                .optOptimizer(optimizer).optDevices(new Device[] {Device.cpu()}));
        trainer.initialize(Models.inputShape(spec.model(), spec.batchSize()));
        // One core step over every parameter per Trainer.step(), all or nothing; the global norm and
        // the accumulation window need it too.
        optimizer.bind(model.getBlock());
        return new DjlSession(spec, data, model, trainer, optimizer);
    }

    private static int parseThreads(String value) {
        try {
            int n = Integer.parseInt(value.trim());
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("-D" + THREADS + "=" + value + ": expected a whole number of threads >= 1");
    }

    private static Session openBuiltin(String name, RunSpec spec, FashionMnist.Data data, Model model) {
        if (!spec.recipe().equals(Recipe.NONE)) {
            model.close();
            throw new IllegalArgumentException("-D" + BUILTIN + "=" + name + " runs DJL's own optimizer, which takes"
                    + " no recipe option (schedule, clipping, accumulation, weight decay, ratio clamp)");
        }
        ai.djl.training.optimizer.Optimizer builtin;
        switch (name) {
            case "adam":
                builtin = ai.djl.training.optimizer.Optimizer.adam()
                        .optLearningRateTracker(ai.djl.training.tracker.Tracker.fixed((float) spec.lr())).build();
                break;
            case "none":
                builtin = new NoUpdate();
                break;
            default:
                model.close();
                throw new IllegalArgumentException("-D" + BUILTIN + " must be adam or none, got '" + name + "'");
        }
        Trainer trainer = model.newTrainer(new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                .optOptimizer(builtin).optDevices(new Device[] {Device.cpu()}));
        trainer.initialize(Models.inputShape(spec.model(), spec.batchSize()));
        return new DjlSession(spec, data, model, trainer, null);
    }

    /** An optimizer that updates nothing (and zeroes nothing): DJL's parameter store alone. */
    static final class NoUpdate extends ai.djl.training.optimizer.Optimizer {
        NoUpdate() {
            super(new Builder());
        }

        @Override
        public void update(String parameterId, NDArray weight, NDArray grad) {
        }

        static final class Builder extends OptimizerBuilder<Builder> {
            @Override
            protected Builder self() {
                return this;
            }
        }
    }

    /**
     * The adapter matches a parameter's local name (weight, bias) or its id (a random UUID); the CLI also
     * lets the regex name a parameter by its path in the block ({@code 05Linear_weight}, as --log-ratios
     * writes it): each parameter whose path fully matches is added to the regex by its id.
     */
    static String plainStepRegex(String regex, ai.djl.nn.Block block) {
        java.util.regex.Pattern pattern = java.util.regex.Pattern.compile(regex);
        StringBuilder b = new StringBuilder("(?:").append(regex).append(')');
        for (ai.djl.util.Pair<String, ai.djl.nn.Parameter> p : block.getParameters()) {
            if (pattern.matcher(p.getKey()).matches()) {
                b.append('|').append(java.util.regex.Pattern.quote(p.getValue().getId()));
            }
        }
        return b.toString();
    }

    private static final class DjlSession implements Session {
        private final RunSpec spec;
        private final FashionMnist.Data data;
        private final Model model;
        private final Trainer trainer;
        private final RuleOptimizer optimizer;

        DjlSession(RunSpec spec, FashionMnist.Data data, Model model, Trainer trainer, RuleOptimizer optimizer) {
            this.spec = spec;
            this.data = data;
            this.model = model;
            this.trainer = trainer;
            this.optimizer = optimizer;
        }

        @Override
        public EpochMetrics epoch(int epoch, Progress progress) {
            ImageSet train = data.train();
            int n = train.count();
            int bs = spec.batchSize();
            int batches = (n + bs - 1) / bs;
            int[] order = DataOrder.forEpoch(spec, n, epoch);
            long start = System.nanoTime();
            long optNanos = 0;
            double lossSum = 0;
            for (int b = 0; b < batches; b++) {
                int from = b * bs;
                int size = Math.min(bs, n - from);
                try (NDManager m = trainer.getManager().newSubManager()) {
                    NDList x = batch(m, train, order, from, size);
                    try (GradientCollector gc = trainer.newGradientCollector()) {
                        NDList logits = trainer.forward(new NDList(x.get(0)));
                        NDArray loss = trainer.getLoss().evaluate(new NDList(x.get(1)), logits);
                        gc.backward(loss);
                        lossSum += loss.getFloat() * size;
                    }
                    long t0 = System.nanoTime();
                    if (optimizer != null) {
                        // One device: the bound optimizer's step, without DJL's parameter store
                        // (which would copy every gradient first, for nothing the host path reads).
                        optimizer.step();
                    } else {
                        trainer.step();
                    }
                    optNanos += System.nanoTime() - t0;
                }
                progress.batch(b + 1, batches, lossSum / Math.min(n, from + size), from + size);
            }
            // A window the epoch's batch count does not fill is stepped with the batches it has, so
            // an epoch ends on a whole optimizer step (Recipe.optimizerSteps counts it).
            if (optimizer != null) {
                long t0 = System.nanoTime();
                optimizer.flush();
                optNanos += System.nanoTime() - t0;
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            double[] test = evaluate(data.test());
            return new EpochMetrics(spec, epoch, lossSum / n, test[0], test[1], seconds,
                    optNanos / 1e6 / batches, optNanos / 1e9 / seconds);
        }

        /** Test loss and accuracy, in eval mode (batch norm uses its running statistics). */
        private double[] evaluate(ImageSet test) {
            int[] order = DataOrder.identity(test.count());
            double lossSum = 0;
            long correct = 0;
            for (int from = 0; from < test.count(); from += 1000) {
                int size = Math.min(1000, test.count() - from);
                try (NDManager m = trainer.getManager().newSubManager()) {
                    NDList x = batch(m, test, order, from, size);
                    NDList logits = trainer.evaluate(new NDList(x.get(0)));
                    lossSum += trainer.getLoss().evaluate(new NDList(x.get(1)), logits).getFloat() * size;
                    long[] predicted = logits.singletonOrThrow().argMax(1).toLongArray();
                    for (int i = 0; i < size; i++) {
                        if (predicted[i] == test.labels()[order[from + i]]) {
                            correct++;
                        }
                    }
                }
            }
            return new double[] {lossSum / test.count(), (double) correct / test.count()};
        }

        private NDList batch(NDManager m, ImageSet set, int[] order, int from, int size) {
            int f = set.features();
            float[] x = new float[size * f];
            float[] y = new float[size];
            for (int i = 0; i < size; i++) {
                int idx = order[from + i];
                System.arraycopy(set.pixels(), idx * f, x, i * f, f);
                y[i] = set.labels()[idx];
            }
            return new NDList(m.create(x, Models.inputShape(spec.model(), size)), m.create(y));
        }

        @Override
        public Snapshot save() throws java.io.IOException {
            if (optimizer == null) {
                throw new IllegalStateException("-D" + BUILTIN + ": DJL's own optimizer saves no checkpoint");
            }
            // Values by parameter path, in block order. Restoring copies them into the existing
            // arrays, which keeps the arrays the trainer and optimizer hold (and their gradients).
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            try (java.io.DataOutputStream out = new java.io.DataOutputStream(bytes)) {
                for (ai.djl.util.Pair<String, ai.djl.nn.Parameter> p : model.getBlock().getParameters()) {
                    float[] values = p.getValue().getArray().toFloatArray();
                    out.writeUTF(p.getKey());
                    out.writeInt(values.length);
                    for (float v : values) {
                        out.writeFloat(v);
                    }
                }
            }
            return new Snapshot(bytes.toByteArray(), Checkpoint.encode(renamed(optimizer.state(), true)));
        }

        @Override
        public void restore(Snapshot snapshot) throws java.io.IOException {
            if (optimizer == null) {
                throw new IllegalStateException("-D" + BUILTIN + ": DJL's own optimizer restores no checkpoint");
            }
            org.pamadam.optim.OptimizerState state = Checkpoint.decode(snapshot.optimizer(), "optimizer.state");
            java.util.List<float[]> values = new java.util.ArrayList<>();
            try (java.io.DataInputStream in = new java.io.DataInputStream(
                    new java.io.ByteArrayInputStream(snapshot.model()))) {
                for (ai.djl.util.Pair<String, ai.djl.nn.Parameter> p : model.getBlock().getParameters()) {
                    String name = in.readUTF();
                    int n = in.readInt();
                    if (!name.equals(p.getKey()) || n != p.getValue().getArray().size()) {
                        throw new CheckpointException("model.params: has " + name + " (" + n + " values) where this "
                                + "model has " + p.getKey() + " (" + p.getValue().getArray().size() + ")");
                    }
                    float[] v = new float[n];
                    for (int i = 0; i < n; i++) {
                        v[i] = in.readFloat();
                    }
                    values.add(v);
                }
                if (in.read() != -1) {
                    throw new CheckpointException("model.params: more parameters than this model has");
                }
            } catch (java.io.EOFException e) {
                throw new CheckpointException("model.params: truncated");
            }
            try {
                optimizer.load(renamed(state, false));
            } catch (IllegalArgumentException e) {
                throw new CheckpointException("optimizer.state: " + e.getMessage());
            }
            // Everything checked: now copy the values in.
            int i = 0;
            for (ai.djl.util.Pair<String, ai.djl.nn.Parameter> p : model.getBlock().getParameters()) {
                p.getValue().getArray().set(values.get(i++));
            }
        }

        /**
         * DJL keys optimizer state by parameter id, a random UUID per model instance; checkpoints key
         * it by the parameter's path in the block, which a new instance of the same model shares.
         */
        private org.pamadam.optim.OptimizerState renamed(org.pamadam.optim.OptimizerState state, boolean toPath)
                throws CheckpointException {
            Map<String, String> names = new java.util.HashMap<>();
            for (ai.djl.util.Pair<String, ai.djl.nn.Parameter> p : model.getBlock().getParameters()) {
                if (toPath) {
                    names.put(p.getValue().getId(), p.getKey());
                } else {
                    names.put(p.getKey(), p.getValue().getId());
                }
            }
            java.util.List<org.pamadam.optim.OptimizerState.Group> groups = new java.util.ArrayList<>();
            for (org.pamadam.optim.OptimizerState.Group g : state.groups()) {
                java.util.List<org.pamadam.optim.OptimizerState.Tensor> tensors = new java.util.ArrayList<>();
                for (org.pamadam.optim.OptimizerState.Tensor t : g.tensors()) {
                    String name = names.get(t.name());
                    if (name == null) {
                        throw new CheckpointException("optimizer.state: parameter '" + t.name() + "' is not in this model");
                    }
                    tensors.add(new org.pamadam.optim.OptimizerState.Tensor(name, t.shape(), t.step(), t.lastRatio(),
                            t.m(), t.v(), t.clamped()));
                }
                groups.add(new org.pamadam.optim.OptimizerState.Group(g.rule(), tensors));
            }
            return new org.pamadam.optim.OptimizerState(groups, state.skippedSteps(), state.maxGradNorm(), state.steps());
        }

        @Override
        public Map<String, Double> lastRatios() {
            return optimizer == null ? Map.of() : optimizer.lastRatios(model.getBlock());
        }

        @Override
        public Map<String, Double> meanAbsParams() {
            Map<String, Double> out = new java.util.LinkedHashMap<>();
            for (ai.djl.util.Pair<String, ai.djl.nn.Parameter> p : model.getBlock().getParameters()) {
                float[] values = p.getValue().getArray().toFloatArray();
                double sum = 0;
                for (float v : values) {
                    sum += Math.abs(v);
                }
                out.put(p.getKey(), values.length == 0 ? 0.0 : sum / values.length);
            }
            return out;
        }

        @Override
        public void close() {
            trainer.close();
            if (optimizer != null) {
                optimizer.close();
            }
            model.close();
        }
    }
}
