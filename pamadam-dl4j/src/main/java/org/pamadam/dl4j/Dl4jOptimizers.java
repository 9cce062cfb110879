package org.pamadam.dl4j;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.TrainingConfig;
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
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.regularization.L2Regularization;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.pamadam.rule.Decay;
import org.pamadam.rule.Rule;

/**
 * Wires a PAMAdam-family {@link Rule} into a DL4J network configuration, in one line:
 *
 * <pre>{@code
 * MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder() ... .build();
 * Dl4jOptimizers.apply(conf, Rule.pamAdam().lr(1e-2).build());
 * MultiLayerNetwork net = new MultiLayerNetwork(conf);
 * }</pre>
 *
 * (the same for a {@link ComputationGraphConfiguration}). Every trainable layer gets a
 * {@link RuleUpdater} (the Adam or momentum step, block-wide) and, for weights and biases separately,
 * the rule's regularization: a {@link TensorStep} after the updater, which DL4J calls once per tensor,
 * for the trust ratio and decoupled or in-step decay, and DL4J's {@link L2Regularization} before the
 * updater for the rule's L2 decay (Adam, SGD). Per-layer lists are set directly because a
 * regularization given to DL4J's global builder is copied into the layers and then appended again (it
 * would run twice).
 *
 * <p>Call it on the configuration before creating the network. Existing pre-updater regularization
 * (L1, L2) is kept; a post-updater one (DL4J's {@code WeightDecay}) is refused, since the rule's
 * weightDecay replaces it. Parameters that DL4J never regularizes (batch-norm gamma and beta) take
 * the plain step: ratio 1 and no decay, the usual choice for norm layers.
 */
public final class Dl4jOptimizers {
    private Dl4jOptimizers() {
    }

    /** The updater half of {@code rule}: its moments, learning rate, betas and eps. */
    public static RuleUpdater updater(Rule rule) {
        return new RuleUpdater(rule);
    }

    /**
     * The regularization half of {@code rule}, for one layer's weights or biases: an
     * {@link L2Regularization} for L2 decay into the gradient, a {@link TensorStep} when the rule has a
     * trust ratio or decoupled or in-step decay; empty for plain Adam or SGD. New instances each call.
     */
    public static List<Regularization> regularization(Rule rule) {
        List<Regularization> out = new ArrayList<>();
        if (rule.decay() == Decay.L2_GRADIENT && rule.weightDecay() != 0.0) {
            out.add(new L2Regularization(rule.weightDecay()));
        }
        if (rule.decay() != Decay.L2_GRADIENT) {
            TensorStep step = new TensorStep(rule);
            if (step.isActive()) {
                out.add(step);
            }
        }
        return out;
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

    private static String describe(Layer layer) {
        String name = layer.getLayerName();
        return (name == null ? "" : " '" + name + "'") + " (" + layer.getClass().getSimpleName() + ")";
    }

    private static void apply(String where, Layer layer, Rule weights, Rule biases) {
        IUpdater wu = updater(weights);
        IUpdater bu = updater(biases);
        // An equal bias updater is left null, so DL4J keeps W and b (and the next layers) in one block.
        IUpdater biasUpdater = wu.equals(bu) ? null : bu;
        if (layer instanceof BaseLayer) {
            BaseLayer b = (BaseLayer) layer;
            b.setIUpdater(wu);
            b.setBiasUpdater(biasUpdater);
            b.setRegularization(merge(where + " weights", b.getRegularization(), weights));
            b.setRegularizationBias(merge(where + " biases", b.getRegularizationBias(), biases));
        } else if (layer instanceof AbstractSameDiffLayer) {
            AbstractSameDiffLayer s = (AbstractSameDiffLayer) layer;
            s.setUpdater(wu);
            s.setBiasUpdater(biasUpdater);
            s.setRegularization(merge(where + " weights", s.getRegularization(), weights));
            s.setRegularizationBias(merge(where + " biases", s.getRegularizationBias(), biases));
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

    private static List<Regularization> merge(String where, List<Regularization> existing, Rule rule) {
        List<Regularization> ours = regularization(rule);
        List<Regularization> out = new ArrayList<>();
        if (existing != null) {
            for (Regularization r : existing) {
                if (r instanceof TensorStep) {
                    continue; // applying again replaces the previous rule
                }
                if (r.applyStep() == Regularization.ApplyStep.POST_UPDATER) {
                    throw new IllegalArgumentException(where + " already have the post-updater regularization " + r
                            + "; TensorStep computes the final update, so set the decay through the rule's weightDecay");
                }
                if (r instanceof L2Regularization && ours.stream().anyMatch(L2Regularization.class::isInstance)) {
                    if (ours.contains(r)) {
                        continue; // the same L2 from applying this rule before
                    }
                    throw new IllegalArgumentException(where + " already have " + r + " and rule '" + rule.name()
                            + "' adds L2 decay " + rule.weightDecay() + "; keep one of them");
                }
                out.add(r);
            }
        }
        out.addAll(ours);
        return out;
    }

    /**
     * The trust ratio each tensor took in the last step: keys {@code layerName_param}. Where one
     * {@link TensorStep} serves several tensors of a layer (an LSTM's W and RW), the key joins their
     * names with '+' and the value is that of the last one stepped. Tensors without a TensorStep
     * (plain Adam, batch-norm parameters) are absent.
     */
    public static Map<String, Double> lastRatios(MultiLayerNetwork net) {
        return lastRatios(net.getLayers());
    }

    /** As {@link #lastRatios(MultiLayerNetwork)}, for a graph. */
    public static Map<String, Double> lastRatios(ComputationGraph graph) {
        return lastRatios(graph.getLayers());
    }

    private static Map<String, Double> lastRatios(org.deeplearning4j.nn.api.Layer[] layers) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (org.deeplearning4j.nn.api.Layer layer : layers) {
            TrainingConfig config = layer.getConfig();
            // By identity: the weights' and the biases' TensorStep are equal in value but distinct.
            List<TensorStep> steps = new ArrayList<>();
            List<List<String>> params = new ArrayList<>();
            for (String param : layer.paramTable(false).keySet()) {
                List<Regularization> regs = config.getRegularizationByParam(param);
                for (Regularization r : regs == null ? List.<Regularization>of() : regs) {
                    if (r instanceof TensorStep) {
                        int k = indexOfIdentity(steps, r);
                        if (k < 0) {
                            steps.add((TensorStep) r);
                            params.add(new ArrayList<>());
                            k = steps.size() - 1;
                        }
                        params.get(k).add(param);
                    }
                }
            }
            for (int k = 0; k < steps.size(); k++) {
                out.put(config.getLayerName() + "_" + String.join("+", params.get(k)), steps.get(k).lastRatio());
            }
        }
        return out;
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

    private static int indexOfIdentity(List<TensorStep> list, Object o) {
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i) == o) {
                return i;
            }
        }
        return -1;
    }
}
