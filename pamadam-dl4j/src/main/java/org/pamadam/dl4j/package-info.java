/**
 * PAMAdam, LAMB, Adam, AdamW and SGD (the {@link org.pamadam.rule.Rule} family) for Deeplearning4j.
 *
 * <p>Two lines wire a rule into a network:
 * <pre>{@code
 * Dl4jOptimizers.apply(conf, Rule.pamAdam().lr(3e-3).build());   // the configuration: RuleUpdaters
 * MultiLayerNetwork net = new MultiLayerNetwork(conf);
 * net.init();
 * Dl4jOptimizers.attach(net);                                      // the step, into the network
 * }</pre>
 *
 * <p>Why the step is attached to the network. DL4J hands an updater one block of tensors at a time
 * and never the parameter values, but the trust ratio is per tensor and needs the values, global-norm
 * clipping needs every gradient, and refusing a non-finite gradient must happen before any tensor is
 * written. So {@link org.pamadam.dl4j.RuleUpdater} only configures (the rule, saved with the network,
 * and the layout of m, v and the counters in DL4J's updater state), and the network updater that
 * {@link org.pamadam.dl4j.Dl4jOptimizers#attach} installs runs one {@link org.pamadam.dl4j.NetworkStep}:
 * the core's {@link org.pamadam.optim.Optimizer} over {@link org.pamadam.optim.Param}s that view the
 * network's own off-heap parameter, gradient and state memory. It writes p' in place, bit for bit the
 * core's; the solver's {@code p -= update} then runs only over the other updaters' ranges (see
 * {@code RemainingUpdates}), or, where it cannot be replaced, over a zeroed update.
 *
 * <p>Non-finite gradients: the step refuses with the core's
 * {@link org.pamadam.optim.NonFiniteGradientException}, naming the tensor and element, before anything
 * is written, so {@code fit} throws and the network is as it was. DL4J lets an updater not skip a step,
 * so {@code SKIP_STEP} is not offered.
 *
 * <p>Float32 networks only (the reference is float32); CPU backend (nd4j-native), whose arrays are
 * direct memory.
 */
package org.pamadam.dl4j;
