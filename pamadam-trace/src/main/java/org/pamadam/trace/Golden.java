package org.pamadam.trace;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** The PyTorch reference traces bundled with this module (resources under {@code golden/}). */
public final class Golden {
    /** The bundled traces without gradient clipping, in a fixed order. */
    public static final List<String> NAMES = List.of("adam_reference", "adamw_reference", "basic_matrix",
            "lamb_timm", "large_lr", "large_tensor", "least_squares", "multi_tensor", "sgd_torch", "skipped_grads",
            "zero_bias", "zero_grad");

    /**
     * The bundled traces with {@code hyper.max_grad_norm} (under {@code golden/clip/}): an engine
     * replays them only once it clips gradients, so they are listed apart from {@link #NAMES}.
     */
    public static final List<String> CLIPPED = List.of("clip/clip_adam_torch", "clip/clip_lamb_timm");

    private Golden() {
    }

    /** Reads one bundled trace by name (without ".json"; "clip/..." for the clipped ones). */
    public static Trace load(String name) {
        String path = "/golden/" + name + ".json";
        try (InputStream in = Golden.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new TraceFormatException("no bundled trace '" + name + "', bundled: " + NAMES + " and " + CLIPPED);
            }
            return TraceCodec.read(in, "golden/" + name + ".json");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The bundled traces of {@link #NAMES}. */
    public static List<Trace> all() {
        return load(NAMES);
    }

    /** The bundled traces of {@link #CLIPPED}. */
    public static List<Trace> clipped() {
        return load(CLIPPED);
    }

    private static List<Trace> load(List<String> names) {
        List<Trace> out = new ArrayList<>();
        for (String n : names) {
            out.add(load(n));
        }
        return out;
    }
}
