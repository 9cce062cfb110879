package org.pamadam.dl4j;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.deeplearning4j.optimize.api.ConvexOptimizer;
import org.deeplearning4j.optimize.solvers.BaseOptimizer;
import org.deeplearning4j.optimize.stepfunctions.NegativeGradientStepFunction;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * DL4J's {@code p -= update} over the parameters that the {@link NetworkStep} did not write.
 *
 * <p>After its updater, DL4J's SGD solver subtracts the whole flattened update from the whole
 * flattened parameters (its {@code NegativeGradientStepFunction}). The NetworkStep has already written
 * p' into its tensors, so over them that pass would only subtract a zeroed update: a full read and
 * write of every parameter, which cost more than the step itself. Installed in the network's solver
 * in its place, this step function subtracts the update only over the other ranges (a batch-norm
 * layer's running statistics, layers with DL4J's own updaters), exactly as DL4J would, and leaves the
 * NetworkStep's tensors, and their gradients, alone.
 *
 * <p>DL4J offers no setting for this (its configuration maps a closed set of step functions), so
 * {@link #installIn} sets the solver's field. Where that is not possible (another JVM's access rules,
 * another optimisation algorithm, a step function the user chose), it reports false and the caller
 * zeroes the tensors' update instead, which DL4J's subtraction then leaves unchanged: slower, and the
 * same parameters.
 */
final class RemainingUpdates implements org.deeplearning4j.optimize.api.StepFunction {
    private static final long serialVersionUID = 1L;
    /** {@code BaseOptimizer.stepFunction}, or null where it cannot be set. */
    private static final Field SOLVER_STEP = solverStepField();

    /** Set when an update left in place awaits this step function, cleared when it runs. */
    private transient boolean awaited;
    private final transient INDArray params;
    private final transient INDArray update;
    private final transient INDArray[] paramRuns;
    private final transient INDArray[] updateRuns;

    /**
     * @param params  the network's flattened parameters
     * @param update  its flattened gradient, which the updater turns into the update
     * @param written the [from, to) ranges of the flattened arrays that the NetworkStep writes
     */
    RemainingUpdates(INDArray params, INDArray update, long[][] written) {
        this.params = params;
        this.update = update;
        long[][] sorted = written.clone();
        Arrays.sort(sorted, (a, b) -> Long.compare(a[0], b[0]));
        List<INDArray> p = new ArrayList<>();
        List<INDArray> u = new ArrayList<>();
        long at = 0;
        long end = params.length();
        for (long[] r : sorted) {
            if (r[0] > at) {
                p.add(run(params, at, r[0]));
                u.add(run(update, at, r[0]));
            }
            at = Math.max(at, r[1]);
        }
        if (at < end) {
            p.add(run(params, at, end));
            u.add(run(update, at, end));
        }
        paramRuns = p.toArray(new INDArray[0]);
        updateRuns = u.toArray(new INDArray[0]);
    }

    /** A view of elements [from, to) of a flattened array (a [1, n] row, as DL4J keeps it, or a vector). */
    private static INDArray run(INDArray flat, long from, long to) {
        INDArray view = flat.rank() == 2
                ? flat.get(NDArrayIndex.interval(0, 1), NDArrayIndex.interval(from, to))
                : flat.get(NDArrayIndex.interval(from, to));
        if (!view.isView() && to - from != flat.length()) {
            throw new IllegalStateException("pamadam-dl4j: elements " + from + " to " + to + " of the network's "
                    + "flattened arrays are not a view of them");
        }
        return view;
    }

    /** Ranges of the flattened parameters that DL4J's own updaters step (the complement of the written ones). */
    int runs() {
        return paramRuns.length;
    }

    /**
     * Makes {@code solver} subtract through this step function from now on, if it runs DL4J's default
     * SGD subtraction. Returns true when this step function is in place.
     *
     * @throws IllegalStateException when the solver shares updates through a {@code GradientsAccumulator}
     *     (ParallelWrapper, SharedTrainingMaster): the NetworkStep writes parameters in place and leaves no
     *     update to share
     */
    boolean installIn(ConvexOptimizer solver) {
        if (solver.getGradientsAccumulator() != null) {
            throw new IllegalStateException("pamadam-dl4j: this network's solver shares updates through a "
                    + solver.getGradientsAccumulator().getClass().getSimpleName() + " (ParallelWrapper or "
                    + "SharedTrainingMaster), which a step that writes the parameters in place cannot feed; train "
                    + "on one worker, or on Spark with ParameterAveragingTrainingMaster");
        }
        org.deeplearning4j.optimize.api.StepFunction current = solver.getStepFunction();
        if (current == this) {
            return true;
        }
        if (SOLVER_STEP == null || !(solver instanceof BaseOptimizer)
                || current == null || current.getClass() != NegativeGradientStepFunction.class) {
            return false;
        }
        try {
            SOLVER_STEP.set(solver, this);
            return true;
        } catch (IllegalAccessException e) {
            return false;
        }
    }

    /**
     * Called after a NetworkStep left its update in place for the solver: this step function must run
     * before the next update.
     */
    void await() {
        awaited = true;
    }

    /**
     * Refuses an update while the previous one was never applied by the solver: a training loop that
     * calls the updater and subtracts the update itself would have subtracted a gradient from the p'
     * the step had already written.
     *
     * @throws IllegalStateException naming what happened and what to use instead
     */
    void checkApplied() {
        if (awaited) {
            awaited = false;
            throw new IllegalStateException("pamadam-dl4j: the previous update of this network was not applied by "
                    + "its solver (fit). The attached step writes p' itself and leaves the solver a step function "
                    + "that subtracts only the other updaters' updates, so a loop that calls the updater and then "
                    + "subtracts the update itself subtracted the gradient from p'. Train with fit, or call "
                    + "NetworkStep.step and then NetworkStep.zeroGradients in your own loop");
        }
    }

    /** The update was made zero over the written ranges: whoever subtracts it now changes nothing there. */
    void zeroed() {
        awaited = false;
    }

    private static Field solverStepField() {
        try {
            Field f = BaseOptimizer.class.getDeclaredField("stepFunction");
            f.setAccessible(true);
            return f;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    @Override
    public void step(INDArray x, INDArray line, double step) {
        step(x, line);
    }

    @Override
    public void step(INDArray x, INDArray line) {
        if (x != params || line != update) {
            throw new IllegalStateException("pamadam-dl4j: the solver applied an update to arrays other than the "
                    + "network's own flattened parameters and gradient; only DL4J's SGD solver over the network is "
                    + "supported");
        }
        awaited = false;
        for (int i = 0; i < paramRuns.length; i++) {
            paramRuns[i].subi(updateRuns[i]);
        }
    }

    @Override
    public void step() {
        // DL4J's NegativeGradientStepFunction does nothing here either.
    }
}
