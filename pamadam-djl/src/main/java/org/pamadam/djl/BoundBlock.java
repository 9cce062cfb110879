package org.pamadam.djl;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the optimizer knows of the block bound with {@link RuleOptimizer#bind}: its parameters in
 * block order and their paths, read once (the block builds new lists on every
 * {@code getParameters()}), and the names messages use.
 */
final class BoundBlock {
    private final Map<String, String> pathOf = new LinkedHashMap<>();
    private Parameter[] params = new Parameter[0];

    /** Reads the block's parameters and their paths. */
    void read(Block block) {
        pathOf.clear();
        List<Parameter> all = new ArrayList<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            pathOf.put(p.getValue().getId(), p.getKey());
            all.add(p.getValue());
        }
        params = all.toArray(new Parameter[0]);
    }

    /** The block's parameters, in block order (the array itself: not to be changed). */
    Parameter[] parameters() {
        return params;
    }

    /** The parameter's path in the bound block, else its id. */
    String nameOf(String parameterId) {
        String path = pathOf.get(parameterId);
        return path == null ? parameterId : path;
    }

    /** {@code 'name', 'name'} for these ids. */
    String names(List<String> ids) {
        List<String> out = new ArrayList<>();
        for (String id : ids) {
            out.add("'" + nameOf(id) + "'");
        }
        return String.join(", ", out);
    }

    /** The shapes of the initialised parameters by id. */
    Map<String, Shape> shapes() {
        Map<String, Shape> out = new LinkedHashMap<>();
        for (Parameter p : params) {
            if (p.isInitialized()) {
                out.put(p.getId(), p.getArray().getShape());
            }
        }
        return out;
    }
}
