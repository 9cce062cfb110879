package example;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.dataset.Batch;
import ai.djl.training.loss.Loss;
import ai.djl.training.tracker.Tracker;
import org.pamadam.data.FashionMnist;
import org.pamadam.data.ImageSet;
import org.pamadam.djl.PamAdam;

/**
 * Trains a 784-256-10 MLP on the Fashion-MNIST subset bundled in pamadam-data with PAMAdam and a
 * warm-up + cosine learning-rate schedule (DJL trackers), in an explicit DJL training loop. Exits 1
 * unless the training loss has dropped to well under its starting value.
 */
public final class DjlTraining {
    static final int EPOCHS = 2;
    static final int BATCH = 64;
    /** Batches at the start whose mean loss is the baseline. */
    static final int FIRST = 10;
    /** The last epoch's mean loss must fall below this share of the baseline (measured: 0.29). */
    static final double MAX_LOSS_SHARE = 0.5;

    public static void main(String[] args) throws Exception {
        FashionMnist.Data data = FashionMnist.bundled();
        ImageSet train = data.train();
        Engine.getInstance().setRandomSeed(1234);

        SequentialBlock mlp = new SequentialBlock()
                .add(Linear.builder().setUnits(256).build()).add(Activation::relu)
                .add(Linear.builder().setUnits(10).build());
        int stepsPerEpoch = (train.count() + BATCH - 1) / BATCH;
        int steps = EPOCHS * stepsPerEpoch;
        // 100 steps of linear warm-up to lr 1e-3, then cosine decay to 1e-4 at the last step.
        Tracker schedule = Tracker.warmUp()
                .optWarmUpSteps(100)
                .optWarmUpBeginValue(1e-4f)
                .setMainTracker(Tracker.cosine().setBaseValue(1e-3f).optFinalValue(1e-4f)
                        .setMaxUpdates(steps).build())
                .build();

        try (Model model = Model.newInstance("fashion-mlp");
             PamAdam optimizer = PamAdam.builder()
                     .optLearningRateTracker(schedule)
                     .optNoAdapt("bias")            // biases take plain Adam steps (they start at zero)
                     .build()) {
            model.setBlock(mlp);
            NDManager manager = model.getNDManager();
            ArrayDataset trainSet = new ArrayDataset.Builder()
                    .setData(manager.create(train.pixels(), new Shape(train.count(), train.features())))
                    .optLabels(manager.create(labels(train), new Shape(train.count())))
                    .setSampling(BATCH, true)
                    .build();
            DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                    .optOptimizer(optimizer);
            double baseline = 0;
            double lastEpoch = 0;
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(new Shape(BATCH, train.features()));
                optimizer.bind(mlp);   // each trainer.step() is one in-place step over every parameter
                int step = 0;
                for (int epoch = 1; epoch <= EPOCHS; epoch++) {
                    double sum = 0;
                    int batches = 0;
                    for (Batch batch : trainer.iterateDataset(trainSet)) {
                        double loss;
                        try (GradientCollector collector = trainer.newGradientCollector()) {
                            NDList predictions = trainer.forward(batch.getData());
                            NDArray value = trainer.getLoss().evaluate(batch.getLabels(), predictions);
                            collector.backward(value);
                            loss = value.getFloat();
                        }
                        trainer.step();
                        batch.close();
                        if (step++ < FIRST) {
                            baseline += loss / FIRST;
                        }
                        sum += loss;
                        batches++;
                    }
                    lastEpoch = sum / batches;
                    System.out.printf("epoch %d: mean training loss %.4f (lr now %.2e)%n",
                            epoch, lastEpoch, schedule.getNewValue(step));
                }
                System.out.printf("test accuracy %.4f; last per-tensor ratios %s%n",
                        accuracy(trainer, manager, data.test()), optimizer.lastRatios(mlp));
            }
            System.out.printf("loss: first %d batches %.4f, last epoch %.4f%n", FIRST, baseline, lastEpoch);
            if (!(lastEpoch < MAX_LOSS_SHARE * baseline)) {
                System.err.printf("FAIL: the loss did not drop below %.0f%% of its starting value%n",
                        100 * MAX_LOSS_SHARE);
                System.exit(1);
            }
            System.out.println("OK: the loss dropped");
        }
    }

    /** Share of the set whose arg-max prediction equals the label. */
    static double accuracy(Trainer trainer, NDManager manager, ImageSet set) {
        try (NDManager scope = manager.newSubManager()) {
            NDArray x = scope.create(set.pixels(), new Shape(set.count(), set.features()));
            long[] predicted = trainer.evaluate(new NDList(x)).singletonOrThrow().argMax(1).toLongArray();
            int correct = 0;
            for (int i = 0; i < predicted.length; i++) {
                correct += predicted[i] == set.labels()[i] ? 1 : 0;
            }
            return correct / (double) set.count();
        }
    }

    static float[] labels(ImageSet set) {
        float[] out = new float[set.count()];
        for (int i = 0; i < out.length; i++) {
            out[i] = set.labels()[i];
        }
        return out;
    }
}
