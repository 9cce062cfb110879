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

/** The study's two models, as DJL blocks. */
public final class Models {
    private Models() {
    }

    /** Input shape for one batch of this model. */
    public static Shape inputShape(String model, int batch) {
        return model.equals("cnn") ? new Shape(batch, 1, 28, 28) : new Shape(batch, 784);
    }

    public static Block build(String model) {
        switch (model) {
            case "mlp":
                // 784-256-128-10 with ReLU: the network of the PyTorch comparison in the README.
                return new SequentialBlock()
                        .add(Linear.builder().setUnits(256).build()).add(Activation::relu)
                        .add(Linear.builder().setUnits(128).build()).add(Activation::relu)
                        .add(Linear.builder().setUnits(10).build());
            case "cnn":
                // Two conv-BN-ReLU-pool stages: batch norm is the seed's argument for dropping weight decay.
                return new SequentialBlock()
                        .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1)).setFilters(16).build())
                        .add(BatchNorm.builder().build()).add(Activation::relu)
                        .add(Pool.maxPool2dBlock(new Shape(2, 2)))
                        .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1)).setFilters(32).build())
                        .add(BatchNorm.builder().build()).add(Activation::relu)
                        .add(Pool.maxPool2dBlock(new Shape(2, 2)))
                        .add(Blocks.batchFlattenBlock())
                        .add(Linear.builder().setUnits(128).build()).add(Activation::relu)
                        .add(Linear.builder().setUnits(10).build());
            default:
                throw new IllegalArgumentException("unknown model '" + model + "', expected mlp or cnn");
        }
    }
}
