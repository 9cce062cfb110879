/**
 * PAMAdam, LAMB, Adam, AdamW and SGD (the {@link org.pamadam.rule.Rule} family) for Deeplearning4j.
 *
 * <p>One line wires a rule into a network configuration:
 * <pre>{@code
 * Dl4jOptimizers.apply(conf, Rule.pamAdam().lr(3e-3).build());   // MultiLayerConfiguration or
 *                                                                 // ComputationGraphConfiguration
 * }</pre>
 *
 * <p>Why two pieces. DL4J hands an updater one flattened block that spans every consecutive parameter
 * with an equal updater configuration (often the whole network) and never the parameter values, but
 * PAMAdam's and LAMB's trust ratios are per tensor and need the values. So the rule is split where
 * DL4J's own calls split:
 * <ul>
 *   <li>{@link org.pamadam.dl4j.RuleUpdater} (an {@code IUpdater}): the element-wise part over the
 *       block, the reference Adam step (or momentum) times the learning rate, run by the core's fused
 *       kernel over the float32 buffers;</li>
 *   <li>{@link org.pamadam.dl4j.TensorStep} (a post-updater {@code Regularization}, which DL4J calls
 *       once per tensor with its values and update): the trust ratio from double sums, decoupled or
 *       in-step weight decay;</li>
 *   <li>DL4J's {@code L2Regularization} before the updater for L2 decay (Adam, SGD).</li>
 * </ul>
 * All three are configuration objects: they serialize in DL4J's JSON, Java serialization and
 * {@code ModelSerializer} files (with the updater state), and a restored network continues bit for
 * bit. {@link org.pamadam.dl4j.Dl4jEngine} replays the pamadam-trace/1 traces through DL4J's
 * {@code UpdaterBlock} with these pieces ({@code pamadam replay --engine dl4j}).
 *
 * <p>Non-finite gradients: {@code RuleUpdater} refuses a block whose gradient holds NaN or an
 * infinity with the core's {@link org.pamadam.optim.NonFiniteGradientException} before it writes m,
 * v or the update, so {@code fit} throws and the weights stay as they were (for a network whose
 * layers form several updater blocks, blocks updated before the refused one keep their new moments).
 * DL4J lets an updater neither skip a step nor see tensor names, so {@code SKIP_STEP} is not offered
 * here; the message gives the element's index in the flattened gradient, and
 * {@link org.pamadam.dl4j.Dl4jOptimizers#tensorAt} names its parameter.
 *
 * <p>Float32 networks only (the reference is float32); CPU backend (nd4j-native).
 */
package org.pamadam.dl4j;
