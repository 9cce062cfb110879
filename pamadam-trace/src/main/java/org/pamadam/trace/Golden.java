package org.pamadam.trace;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** The PyTorch reference traces bundled with this module (resources under {@code golden/}). */
public final class Golden {
    /** The bundled trace names, in a fixed order. */
    public static final List<String> NAMES = List.of("adam_reference", "adamw_reference", "basic_matrix",
            "large_lr", "large_tensor", "least_squares", "multi_tensor", "skipped_grads", "zero_bias", "zero_grad");

    private Golden() {
    }

    /** Reads one bundled trace by name (without ".json"). */
    public static Trace load(String name) {
        String path = "/golden/" + name + ".json";
        try (InputStream in = Golden.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new TraceFormatException("no bundled trace '" + name + "', bundled: " + NAMES);
            }
            return TraceCodec.read(in, "golden/" + name + ".json");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** All bundled traces. */
    public static List<Trace> all() {
        List<Trace> out = new ArrayList<>();
        for (String n : NAMES) {
            out.add(load(n));
        }
        return out;
    }
}
