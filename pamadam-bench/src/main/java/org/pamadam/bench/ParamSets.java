package org.pamadam.bench;

import java.util.ArrayList;
import java.util.List;

/** The tensor shapes the benchmarks step over. */
final class ParamSets {
    private ParamSets() {
    }

    /** One named tensor shape. */
    record Shape(String name, int[] dims) {
        int size() {
            int n = 1;
            for (int d : dims) {
                n *= d;
            }
            return n;
        }
    }

    static List<Shape> get(String name) {
        switch (name) {
            case "transformer-10m": return transformer10m();
            case "many-small": return manySmall();
            case "mlp": return mlp();
            default: throw new IllegalArgumentException("unknown paramSet '" + name + "'");
        }
    }

    /** 21 tensors, 10,497,024 elements: an embedding and two transformer blocks of width 512. */
    static List<Shape> transformer10m() {
        List<Shape> out = new ArrayList<>();
        out.add(new Shape("embed.weight", new int[] {8192, 512}));
        for (int b = 0; b < 2; b++) {
            String p = "block" + b + ".";
            out.add(new Shape(p + "attn.in_proj.weight", new int[] {512, 1536}));
            out.add(new Shape(p + "attn.in_proj.bias", new int[] {1536}));
            out.add(new Shape(p + "attn.out_proj.weight", new int[] {512, 512}));
            out.add(new Shape(p + "attn.out_proj.bias", new int[] {512}));
            out.add(new Shape(p + "mlp.fc1.weight", new int[] {2048, 512}));
            out.add(new Shape(p + "mlp.fc1.bias", new int[] {2048}));
            out.add(new Shape(p + "mlp.fc2.weight", new int[] {512, 2048}));
            out.add(new Shape(p + "mlp.fc2.bias", new int[] {512}));
            out.add(new Shape(p + "norm.weight", new int[] {512}));
            out.add(new Shape(p + "norm.bias", new int[] {512}));
        }
        return out;
    }

    /**
     * A ResNet-like list of 302 small tensors (100 blocks of a 32x32x1x1 conv and its batch-norm
     * weight and bias, a stem and a head): 109,984 elements. Measures per-tensor overhead.
     */
    static List<Shape> manySmall() {
        List<Shape> out = new ArrayList<>();
        out.add(new Shape("stem.weight", new int[] {32, 3, 3, 3}));
        for (int b = 0; b < 100; b++) {
            out.add(new Shape("block" + b + ".conv.weight", new int[] {32, 32, 1, 1}));
            out.add(new Shape("block" + b + ".bn.weight", new int[] {32}));
            out.add(new Shape("block" + b + ".bn.bias", new int[] {32}));
        }
        out.add(new Shape("head.weight", new int[] {10, 32}));
        return out;
    }

    /**
     * The main job's MLP (784-256-128-10, DJL's {@code Linear} layout): 6 tensors, 235,146
     * elements, which stay in cache between steps.
     */
    static List<Shape> mlp() {
        List<Shape> out = new ArrayList<>();
        int[] widths = {784, 256, 128, 10};
        for (int l = 1; l < widths.length; l++) {
            out.add(new Shape("0" + l + "Linear_weight", new int[] {widths[l], widths[l - 1]}));
            out.add(new Shape("0" + l + "Linear_bias", new int[] {widths[l]}));
        }
        return out;
    }

    static long elements(List<Shape> shapes) {
        long n = 0;
        for (Shape s : shapes) {
            n += s.size();
        }
        return n;
    }
}
