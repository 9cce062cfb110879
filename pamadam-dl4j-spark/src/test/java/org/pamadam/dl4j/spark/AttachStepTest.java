package org.pamadam.dl4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.pamadam.dl4j.Dl4jOptimizers;
import org.pamadam.dl4j.NetworkStep;
import org.pamadam.rule.Rule;

/** What the executors' hook attaches: the step with the settings' clipping, once per network. */
class AttachStepTest {

    @Test
    void attachesOnceWithTheSettingsClipping() {
        MultiLayerNetwork net = new MultiLayerNetwork(Dl4jOptimizers.apply(FashionMnistSparkApp.mlp(784, 8, 1),
                Rule.pamAdam().build()));
        net.init();
        SparkSettings settings = SparkSettings.builder().maxGradNorm(0.5).build();
        AttachStep hook = new AttachStep(NetworkStep.Settings.defaults().maxGradNorm(settings.maxGradNorm()));
        hook.preUpdate((org.nd4j.linalg.dataset.api.DataSet) null, net);
        NetworkStep step = Dl4jOptimizers.attached(net);
        assertEquals(0.5, step.optimizer().maxGradNorm());
        hook.preUpdate((org.nd4j.linalg.dataset.api.DataSet) null, net);
        assertSame(step, Dl4jOptimizers.attached(net), "a second minibatch keeps the step (and its counts)");
        assertTrue(settings.toString().contains("maxGradNorm=0.5"), settings.toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SparkSettings.builder().maxGradNorm(0).build());
        assertTrue(e.getMessage().contains("maxGradNorm must be > 0"), e.getMessage());
        IllegalArgumentException k = assertThrows(IllegalArgumentException.class,
                () -> new AttachStep(NetworkStep.Settings.defaults().accumulate(2)));
        assertTrue(k.getMessage().contains("straddle"), k.getMessage());
    }
}
