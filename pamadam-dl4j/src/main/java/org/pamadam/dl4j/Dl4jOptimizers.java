package org.pamadam.dl4j;

import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.Bidirectional;
import org.deeplearning4j.nn.conf.layers.samediff.AbstractSameDiffLayer;
import org.deeplearning4j.nn.conf.layers.wrapper.BaseWrapperLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.pamadam.rule.Rule;

/**
 * Wires a PAMAdam-family {@link Rule} into a DL4J network: the rule goes into the configuration,
 * the step into the network.
 *
 * <pre>{@code
 * MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder() ... .build();
 * Dl4jOptimizers.apply(conf, Rule.pamAdam().lr(1e-2).build());
 * MultiLayerNetwork net = new MultiLayerNetwork(conf);
 * net.init();
 * NetworkStep step = Dl4jOptimizers.attach(net, NetworkStep.Settings.defaults().maxGradNorm(1.0));
 * net.fit(data);
 * }</pre>
 *
 * (the same for a {@link ComputationGraphConfiguration}). {@link #apply} gives every trainable
 * parameter a {@link RuleUpdater}: the whole rule, saved with the network. {@link #attach} installs
 * the network updater that runs the core's step over all those tensors at once, in place on ND4J's
 * memory (see {@link NetworkStep}); it is runtime wiring, like a listener, so attach again after
 * {@code ModelSerializer} restores a network. Without it, {@code fit} refuses with a message saying so.
 *
 * <p>Batch-norm gamma and beta take the layer's rule, trust ratio and decay included, as on the djl
 * engine (give them a plain rule through {@link #apply(Layer, Rule, Rule)} or a layer of their own if
 * you want otherwise); their running mean and variance keep DL4J's own update. DL4J regularization
 * (L1, L2, weight decay) on a layer that takes a rule is refused: the rule's weightDecay is the
 * decay, applied by the core as the rule says.
 */
public final class Dl4jOptimizers {
    private Dl4jOptimizers() {
    }

    /** {@code rule} as a DL4J updater configuration. */
    public static RuleUpdater updater(Rule rule) {
        return new RuleUpdater(rule);
    }

    /** {@code rule} for every parameter of every trainable layer. Returns {@code conf}. */
    public static MultiLayerConfiguration apply(MultiLayerConfiguration conf, Rule rule) {
        return apply(conf, rule, rule);
    }

    /**
     * {@code weights} for weights and {@code biases} for biases (e.g. the same rule with
     * {@code adapt(false)}). Returns {@code conf}.
     *
     * @throws IllegalArgumentException for a layer that cannot take the rule, naming it
     */
    public static MultiLayerConfiguration apply(MultiLayerConfiguration conf, Rule weights, Rule biases) {
        List<NeuralNetConfiguration> confs = conf.getConfs();
        for (int i = 0; i < confs.size(); i++) {
            Layer layer = confs.get(i).getLayer();
            apply("layer " + i + describe(layer), layer, weights, biases);
        }
        return conf;
    }

    /** {@code rule} for every parameter of every trainable layer vertex. Returns {@code conf}. */
    public static ComputationGraphConfiguration apply(ComputationGraphConfiguration conf, Rule rule) {
        return apply(conf, rule, rule);
    }

    /** As {@link #apply(MultiLayerConfiguration, Rule, Rule)}, for a graph. Returns {@code conf}. */
    public static ComputationGraphConfiguration apply(ComputationGraphConfiguration conf, Rule weights, Rule biases) {
        for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
            if (e.getValue() instanceof LayerVertex) {
                Layer layer = ((LayerVertex) e.getValue()).getLayerConf().getLayer();
                apply("vertex '" + e.getKey() + "'" + describe(layer), layer, weights, biases);
            }
        }
        return conf;
    }

    /** One layer configuration (for networks assembled by hand). Returns {@code layer}. */
    public static <L extends Layer> L apply(L layer, Rule weights, Rule biases) {
        apply("layer" + describe(layer), layer, weights, biases);
        return layer;
    }

    /** {@link #attach(MultiLayerNetwork, NetworkStep.Settings)} with no clipping and no accumulation. */
    public static NetworkStep attach(MultiLayerNetwork net) {
        return attach(net, NetworkStep.Settings.defaults());
    }

    /**
     * Installs the PAMAdam-family step in an initialised network: from now on {@code fit} steps every
     * {@link RuleUpdater} tensor with the core, as {@code settings} say. The network's updater state
     * (moments, counts: a restored network's included) is kept. Attaching again replaces the settings.
     *
     * @throws IllegalStateException before {@code net.init()}
     * @throws IllegalArgumentException for a tensor the step cannot run over, naming it
     */
    public static NetworkStep attach(MultiLayerNetwork net, NetworkStep.Settings settings) {
        if (net.params() == null) {
            throw new IllegalStateException("attach: call net.init() first");
        }
        Updater current = net.getUpdater(true);
        if (current instanceof NetworkUpdaters.ForMultiLayer) {
            ((NetworkUpdaters.ForMultiLayer) current).step().close();
        }
        INDArray state = current == null ? null : current.getStateViewArray();
        NetworkUpdaters.ForMultiLayer updater = new NetworkUpdaters.ForMultiLayer(net, state, settings);
        net.setUpdater(updater);
        return updater.step();
    }

    /** {@link #attach(ComputationGraph, NetworkStep.Settings)} with no clipping and no accumulation. */
    public static NetworkStep attach(ComputationGraph graph) {
        return attach(graph, NetworkStep.Settings.defaults());
    }

    /** As {@link #attach(MultiLayerNetwork, NetworkStep.Settings)}, for a graph (tensors named {@code layer_param}). */
    public static NetworkStep attach(ComputationGraph graph, NetworkStep.Settings settings) {
        if (graph.params() == null) {
            throw new IllegalStateException("attach: call graph.init() first");
        }
        org.deeplearning4j.nn.updater.graph.ComputationGraphUpdater current = graph.getUpdater(true);
        if (current instanceof NetworkUpdaters.ForGraph) {
            ((NetworkUpdaters.ForGraph) current).step().close();
        }
        INDArray state = current == null ? null : current.getStateViewArray();
        NetworkUpdaters.ForGraph updater = new NetworkUpdaters.ForGraph(graph, state, settings);
        graph.setUpdater(updater);
        return updater.step();
    }

    /** The step attached to {@code net}, or null. */
    public static NetworkStep attached(MultiLayerNetwork net) {
        Updater u = net.getUpdater(false);
        return u instanceof NetworkUpdaters.ForMultiLayer ? ((NetworkUpdaters.ForMultiLayer) u).step() : null;
    }

    /** The step attached to {@code graph}, or null. */
    public static NetworkStep attached(ComputationGraph graph) {
        Object u = graph.getUpdater(false);
        return u instanceof NetworkUpdaters.ForGraph ? ((NetworkUpdaters.ForGraph) u).step() : null;
    }

    private static String describe(Layer layer) {
        String name = layer.getLayerName();
        return (name == null ? "" : " '" + name + "'") + " (" + layer.getClass().getSimpleName() + ")";
    }

    private static void apply(String where, Layer layer, Rule weights, Rule biases) {
        RuleUpdater wu = updater(weights);
        RuleUpdater bu = updater(biases);
        // An equal bias updater is left null, so DL4J keeps W and b (and the next layers) in one block.
        RuleUpdater biasUpdater = wu.equals(bu) ? null : bu;
        if (layer instanceof BaseLayer) {
            BaseLayer b = (BaseLayer) layer;
            checkNoRegularization(where + " weights", b.getRegularization());
            checkNoRegularization(where + " biases", b.getRegularizationBias());
            b.setIUpdater(wu);
            b.setBiasUpdater(biasUpdater);
        } else if (layer instanceof AbstractSameDiffLayer) {
            AbstractSameDiffLayer s = (AbstractSameDiffLayer) layer;
            checkNoRegularization(where + " weights", s.getRegularization());
            checkNoRegularization(where + " biases", s.getRegularizationBias());
            s.setUpdater(wu);
            s.setBiasUpdater(biasUpdater);
        } else if (layer instanceof Bidirectional) {
            Bidirectional bi = (Bidirectional) layer;
            apply(where + " forward", bi.getFwd(), weights, biases);
            apply(where + " backward", bi.getBwd(), weights, biases);
        } else if (layer instanceof BaseWrapperLayer) {
            apply(where, ((BaseWrapperLayer) layer).getUnderlying(), weights, biases);
        } else if (layer instanceof FrozenLayer) {
            // Frozen parameters are not trained.
            return;
        } else if (layer.initializer().numParams(layer) > 0) {
            throw new IllegalArgumentException(where + ": layer type " + layer.getClass().getName()
                    + " holds parameters but takes no updater configuration that pamadam-dl4j knows how to set");
        }
    }

    /** DL4J would never apply it (the core steps these tensors), so it is refused rather than ignored. */
    private static void checkNoRegularization(String where, List<Regularization> existing) {
        if (existing != null && !existing.isEmpty()) {
            throw new IllegalArgumentException(where + " have DL4J regularization " + existing + "; the rule's "
                    + "weightDecay is the decay under pamadam-dl4j (its decay mode says L2, decoupled or in-step), "
                    + "so remove l1/l2/weightDecay from the DL4J configuration");
        }
    }

    /**
     * The trust ratio each tensor took in its last step, keyed by DL4J's gradient keys
     * ({@code 0_W}); empty when no step is attached.
     */
    public static Map<String, Double> lastRatios(MultiLayerNetwork net) {
        NetworkStep step = attached(net);
        return step == null ? Map.of() : step.lastRatios();
    }

    /** As {@link #lastRatios(MultiLayerNetwork)}, for a graph. */
    public static Map<String, Double> lastRatios(ComputationGraph graph) {
        NetworkStep step = attached(graph);
        return step == null ? Map.of() : step.lastRatios();
    }

    /**
     * The parameter that element {@code index} of the network's flattened parameters (and gradient) is,
     * as {@code layer_param[element]}, e.g. {@code 0_W[1234]}: names the element in a
     * {@link org.pamadam.optim.NonFiniteGradientException} from {@link RuleUpdater}.
     *
     * @throws IllegalArgumentException when index is outside the network's parameters
     */
    public static String tensorAt(MultiLayerNetwork net, long index) {
        long start = 0;
        for (Map.Entry<String, org.nd4j.linalg.api.ndarray.INDArray> e : net.paramTable().entrySet()) {
            long n = e.getValue().length();
            if (index >= start && index < start + n) {
                return e.getKey() + "[" + (index - start) + "]";
            }
            start += n;
        }
        throw new IllegalArgumentException("flattened index " + index + " is outside the network's " + start
                + " parameters");
    }
}
