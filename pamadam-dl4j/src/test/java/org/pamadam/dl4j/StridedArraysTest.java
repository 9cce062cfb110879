package org.pamadam.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.pamadam.optim.ReferenceStep;
import org.pamadam.rule.Rule;

/**
 * Arrays that are not one contiguous run in a common order (a strided column, a C-order update for
 * an F-order parameter) go through copies and give the same bits as contiguous ones; the updater and
 * TensorStep together reproduce the core's reference step on a tensor longer than one chunk.
 */
class StridedArraysTest {
    private static final Rule LAMB = Rule.lamb().lr(1e-2).weightDecay(0.01).build();

    private static INDArray random(long seed, long... shape) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.rand(DataType.FLOAT, shape).subi(0.5);
    }

    @Test
    void stridedAndMixedOrderArraysStepAsContiguousOnes() {
        INDArray matrix = random(1, 300, 3);                 // C order: a column is strided
        INDArray param = matrix.getColumn(1);
        INDArray update = random(2, 300);
        INDArray paramCopy = param.dup();
        INDArray updateCopy = update.dup();
        assertNotEquals(1, param.elementWiseStride());

        double r1 = new TensorStep(LAMB).step(param, update, LAMB.lr());
        double r2 = new TensorStep(LAMB).step(paramCopy, updateCopy, LAMB.lr());
        assertEquals(r2, r1);
        assertArrayEquals(Fixtures.floats(updateCopy), Fixtures.floats(update));
        assertArrayEquals(Fixtures.floats(paramCopy), Fixtures.floats(param), "the parameter is only read");

        INDArray fParam = random(3, 40, 25).dup('f');
        INDArray cUpdate = random(4, 40, 25);                // same shape, other order
        INDArray fUpdate = cUpdate.dup('f');
        double r3 = new TensorStep(LAMB).step(fParam, cUpdate, LAMB.lr());
        double r4 = new TensorStep(LAMB).step(fParam, fUpdate, LAMB.lr());
        assertEquals(r4, r3);
        assertArrayEquals(Fixtures.floats(fUpdate), Fixtures.floats(cUpdate));
    }

    @Test
    void updaterAndTensorStepReproduceTheReferenceStepAcrossChunks() {
        int n = 3 * FloatBlocks.CHUNK + 123;
        float[] p = Fixtures.floats(random(5, n));
        float[] m = new float[n];
        float[] v = new float[n];
        float[] expected = p.clone();
        INDArray param = Nd4j.createFromArray(p.clone());
        RuleUpdater config = new RuleUpdater(LAMB);
        INDArray state = Nd4j.zeros(DataType.FLOAT, 1, config.stateSize(n));
        GradientUpdater<?> updater = config.instantiate(state, true);
        TensorStep step = new TensorStep(LAMB);
        for (int t = 1; t <= 3; t++) {
            float[] g = Fixtures.floats(random(10 + t, n).muli(1e-2));
            double want = ReferenceStep.step(LAMB, t, expected, g, m, v);
            INDArray grad = Nd4j.createFromArray(g.clone());
            updater.applyUpdater(grad, t - 1, 0);
            double got = step.step(param, grad, LAMB.lr());
            param.subi(grad);
            assertEquals(want, got, 1e-6 * want, "ratio at step " + t);
            double err = PerTensorRatioTest.relativeError(Fixtures.floats(param), expected);
            assertEquals(0.0, err, 1e-6, "parameters at step " + t);
        }
        // The state holds the reference's moments, m then v.
        assertArrayEquals(m, Fixtures.floats(state.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(0, n))));
        assertArrayEquals(v, Fixtures.floats(state.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(n, 2 * n))));
    }
}
