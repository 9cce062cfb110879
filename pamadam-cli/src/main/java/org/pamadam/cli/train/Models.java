package org.pamadam.cli.train;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.initializer.UniformInitializer;
import java.util.Locale;

/** The study's two models, as DJL blocks. */
public final class Models {
    private Models() {
    }

    /**
     * How the weights start. PAMAdam's step is relative to mean|p|, so the initial scale matters, and
     * the two frameworks' defaults differ.
     */
    public enum Init {
        /**
         * DJL's defaults (its {@code Parameter.Type}s): weights normal with variance 2/fan_in (an
         * {@code XavierInitializer(GAUSSIAN, IN, 2)}, He initialisation), biases 0. Mean |w| is about
         * 2.3x torch's default.
         */
        DJL,
        /**
         * torch.nn's defaults for Linear and Conv2d: weights {@code kaiming_uniform_(a = sqrt(5))}, which
         * is uniform in +-1/sqrt(fan_in), and biases uniform in +-1/sqrt(fan_in) (batch norm: gamma 1,
         * beta 0 in both).
         */
        TORCH;

        /** By name, case-insensitive: djl or torch. */
        public static Init named(String name) {
            try {
                return valueOf(name.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--init must be djl or torch, got '" + name + "'");
            }
        }
    }

    /** Input shape for one batch of this model. */
    public static Shape inputShape(String model, int batch) {
        return model.equals("cnn") ? new Shape(batch, 1, 28, 28) : new Shape(batch, 784);
    }

    /** The model with DJL's default initialisation. */
    public static Block build(String model) {
        return build(model, Init.DJL);
    }

    /** The model, its layers initialised as {@code init} says. */
    public static Block build(String model, Init init) {
        switch (model) {
            case "mlp":
                // 784-256-128-10 with ReLU: the network of the PyTorch comparison in the README.
                return new SequentialBlock()
                        .add(init(Linear.builder().setUnits(256).build(), 784, init)).add(Activation::relu)
                        .add(init(Linear.builder().setUnits(128).build(), 256, init)).add(Activation::relu)
                        .add(init(Linear.builder().setUnits(10).build(), 128, init));
            case "cnn":
                // Two conv-BN-ReLU-pool stages: batch norm is the seed's argument for dropping weight decay.
                return new SequentialBlock()
                        .add(init(Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1)).setFilters(16)
                                .build(), 1 * 3 * 3, init))
                        .add(BatchNorm.builder().build()).add(Activation::relu)
                        .add(Pool.maxPool2dBlock(new Shape(2, 2)))
                        .add(init(Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1)).setFilters(32)
                                .build(), 16 * 3 * 3, init))
                        .add(BatchNorm.builder().build()).add(Activation::relu)
                        .add(Pool.maxPool2dBlock(new Shape(2, 2)))
                        .add(Blocks.batchFlattenBlock())
                        .add(init(Linear.builder().setUnits(128).build(), 32 * 7 * 7, init)).add(Activation::relu)
                        .add(init(Linear.builder().setUnits(10).build(), 128, init));
            default:
                throw new IllegalArgumentException("unknown model '" + model + "', expected mlp or cnn");
        }
    }

    /**
     * torch's bound for a layer with this fan-in (input features, or in-channels x kernel area), set on
     * the layer itself: DJL's initializers see only a parameter's shape, and a bias's shape does not
     * tell its layer's fan-in.
     */
    private static Block init(Block layer, int fanIn, Init init) {
        if (init == Init.TORCH) {
            float bound = (float) (1 / Math.sqrt(fanIn));
            layer.setInitializer(new UniformInitializer(bound), ai.djl.nn.Parameter.Type.WEIGHT);
            layer.setInitializer(new UniformInitializer(bound), ai.djl.nn.Parameter.Type.BIAS);
        }
        return layer;
    }
}
