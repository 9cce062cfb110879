package org.pamadam.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.util.Pair;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.pamadam.optim.Optimizer;
import org.pamadam.optim.Param;
import org.pamadam.rule.Rule;

/**
 * Several devices. DJL's parameter server calls {@code update} once per device for each parameter,
 * with the same summed gradient; one step's global norm and factor must be computed once, at the
 * step's first update, and the second device's update must not start a new step (and so measure
 * the gradients device 0's update has already zeroed).
 *
 * <p>Two CPU devices cannot be had: DJL's PyTorch engine maps every CPU device id to {@code cpu()},
 * and DJL's {@link Device#equals} takes any two CPU devices for the same one, its parameter server
 * included (the first test shows both). The second device is therefore faked: a copy of each
 * weight behind a proxy whose {@code getDevice()} says {@code gpu(1)} (its manager makes what it is
 * asked for on the CPU), given the same {@code update} calls a two-device parameter server makes.
 * The host path is CPU only, so the fake device's updates run on the NDArray path, as a GPU's do.
 */
class TwoDevicesTest {

    @Test
    void pytorchMapsEveryCpuDeviceIdToTheOneCpu() {
        Engine engine = DjlEngine.startEngine();
        try (NDManager manager = engine.newBaseManager(Device.of(Device.Type.CPU, 1))) {
            NDArray a = manager.create(new float[] {1, 2, 3});
            assertEquals(Device.cpu(), a.getDevice(), "an array made by a cpu(1) manager");
            NDArray b = manager.create(new float[] {4}).toDevice(Device.of(Device.Type.CPU, 1), true);
            assertEquals(Device.cpu(), b.getDevice(), "an array copied to cpu(1)");
        }
        assertEquals(Device.cpu(), Device.of(Device.Type.CPU, 1), "DJL: every CPU device equals cpu()");
        assertNotEquals(Device.gpu(0), Device.gpu(1));
    }

    @Test
    void twoDevicesShareOneNormAndFactorPerStep() {
        Rule rule = Rule.sgd().lr(0.1).build(); // linear in g: an unclipped or twice-clipped step shows
        double maxNorm = 0.05;
        Random rnd = new Random(23);
        Engine engine = DjlEngine.startEngine();
        engine.setRandomSeed(23);
        try (RuleOptimizer djl = RuleOptimizer.forRule(rule).optHostKernel(false).optMaxGradNorm((float) maxNorm).build();
             Model model = Model.newInstance("two-devices")) {
            model.setBlock(new SequentialBlock().add(Linear.builder().setUnits(3).build()));
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(Loss.l2Loss()).optOptimizer(djl))) {
                trainer.initialize(new Shape(5, 4));
                djl.bind(model.getBlock());
                List<Parameter> params = new ArrayList<>();
                List<NDArray> mirrors = new ArrayList<>();
                List<NDArray> copies = new ArrayList<>();
                List<Param> core = new ArrayList<>();
                for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
                    NDArray w = p.getValue().getArray();
                    params.add(p.getValue());
                    NDArray copy = w.duplicate();
                    copies.add(copy);
                    mirrors.add(onOtherDevice(copy, Device.gpu(1)));
                    core.add(Param.of(p.getKey(), w.toFloatArray()));
                }
                try (Optimizer reference = Optimizer.builder().group(rule, core).threads(1).maxGradNorm(maxNorm)
                        .build()) {
                    for (int step = 1; step <= 3; step++) {
                        backward(trainer, rnd);
                        // What LocalParameterServer does with two devices: one summed gradient (here
                        // device 0's alone), then update on device 0, then on device 1, per parameter.
                        List<NDArray> summed = new ArrayList<>();
                        for (int i = 0; i < params.size(); i++) {
                            NDArray g = params.get(i).getArray().getGradient().duplicate();
                            summed.add(g);
                            core.get(i).setGrad(g.toFloatArray());
                        }
                        for (int i = 0; i < params.size(); i++) {
                            djl.update(params.get(i).getId(), params.get(i).getArray(), summed.get(i));
                            djl.update(params.get(i).getId(), mirrors.get(i), summed.get(i));
                        }
                        reference.step();
                        assertEquals(step, djl.stepCount(), "one optimizer step per Trainer step, not one per device");
                        assertEquals(reference.lastGradNorm(), djl.lastGradNorm(), 1e-6 * reference.lastGradNorm(),
                                "the norm of step " + step + ", measured once before any gradient was zeroed");
                        assertTrue(reference.lastGradNorm() > 2 * maxNorm, "the clip bites: " + reference.lastGradNorm());
                        for (int i = 0; i < params.size(); i++) {
                            float[] device0 = params.get(i).getArray().toFloatArray();
                            assertArrayEquals(device0, copies.get(i).toFloatArray(),
                                    "both devices took the same step with the same factor, step " + step);
                            assertTrue(Tensors.relativeError(device0, core.get(i).data()) < 1e-6,
                                    "device 0 against the core, step " + step);
                        }
                        try (NDArray g0 = params.get(0).getArray().getGradient()) {
                            assertEquals(0f, g0.abs().sum().getFloat(), "device 0's gradient is zeroed after the step");
                        }
                    }
                }
            }
        }
    }

    /** One forward and backward pass of the trainer on random data, the gradient left in the weights. */
    private static void backward(Trainer trainer, Random rnd) {
        try (NDManager batch = trainer.getManager().newSubManager()) {
            NDArray x = batch.create(Tensors.normal(rnd, 20, 1.0), new Shape(5, 4));
            NDArray y = batch.create(Tensors.normal(rnd, 15, 1.0), new Shape(5, 3));
            try (GradientCollector collector = trainer.newGradientCollector()) {
                collector.backward(trainer.getLoss().evaluate(new NDList(y), trainer.forward(new NDList(x))));
            }
        }
    }

    /**
     * {@code real} as if on {@code device}: every call goes to {@code real}, except {@code getDevice()}
     * (the fake device) and {@code getManager()}, whose methods make arrays on the CPU whatever
     * device they are asked for.
     */
    private static NDArray onOtherDevice(NDArray real, Device device) {
        ClassLoader loader = TwoDevicesTest.class.getClassLoader();
        NDManager manager = (NDManager) Proxy.newProxyInstance(loader, new Class<?>[] {NDManager.class},
                (proxy, method, args) -> {
                    Object[] onCpu = args == null ? null : args.clone();
                    for (int i = 0; onCpu != null && i < onCpu.length; i++) {
                        if (onCpu[i] instanceof Device) {
                            onCpu[i] = Device.cpu();
                        }
                    }
                    return call(method, real.getManager(), onCpu);
                });
        return (NDArray) Proxy.newProxyInstance(loader, new Class<?>[] {NDArray.class}, (proxy, method, args) -> {
            switch (method.getName()) {
                case "getDevice":
                    return device;
                case "getManager":
                    return manager;
                case "equals":
                    return proxy == args[0];
                case "hashCode":
                    return System.identityHashCode(proxy);
                default:
                    return call(method, real, args);
            }
        });
    }

    private static Object call(Method method, Object target, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
