package org.pamadam.cli;

import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.pamadam.trace.Golden;
import org.pamadam.trace.Replay;
import org.pamadam.trace.ReplayEngine;
import org.pamadam.trace.Trace;
import org.pamadam.trace.TraceCodec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code pamadam replay}: runs recorded PyTorch traces through an engine and checks the bounds. */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = {"Replay pamadam-trace/1 files through an optimizer engine and check parameters and ratios",
            "against the format's bounds. With no files, replays the bundled PyTorch traces.",
            "Exit 0: all agree; 1: some disagree; 2: malformed input."})
final class ReplayCommand implements Callable<Integer> {

    @Parameters(paramLabel = "TRACE.json", arity = "0..*", description = "Trace files (default: the bundled golden traces).")
    List<Path> files = new ArrayList<>();

    @Option(names = "--engine", defaultValue = "core",
            description = "Engine: core (default), djl, dl4j where their modules are present.")
    String engine;

    @Option(names = "--out", paramLabel = "FILE",
            description = "Write the replayed run as a pamadam-trace/1 file (a directory when replaying several traces).")
    Path out;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter w = spec.commandLine().getOut();
        ReplayEngine eng = Replay.engine(engine);
        List<Trace> traces = new ArrayList<>();
        if (files.isEmpty()) {
            traces.addAll(Golden.all());
        } else {
            for (Path f : files) {
                traces.add(TraceCodec.read(f));
            }
        }
        boolean many = traces.size() > 1;
        if (out != null && many) {
            Files.createDirectories(out);
        }
        int failed = 0;
        for (Trace t : traces) {
            Replay.Result r;
            try {
                r = Replay.run(t, eng);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(t.name() + ": invalid hyperparameters: " + e.getMessage(), e);
            }
            print(w, r);
            if (!r.ok()) {
                failed++;
            }
            if (out != null) {
                Path target = many ? out.resolve(t.name() + ".json") : out;
                if (target.toAbsolutePath().getParent() != null) {
                    Files.createDirectories(target.toAbsolutePath().getParent());
                }
                try (OutputStream os = Files.newOutputStream(target)) {
                    TraceCodec.write(r.replayed(), os);
                }
            }
        }
        w.printf(Locale.ROOT, "%d of %d trace(s) agree with the reference within bounds (engine %s)%n",
                traces.size() - failed, traces.size(), engine);
        return failed == 0 ? Main.OK : Main.CHECK_FAILED;
    }

    private static void print(PrintWriter w, Replay.Result r) {
        Trace t = r.trace();
        w.printf(Locale.ROOT, "%s  [%s, %s, %d steps]  engine %s%n", t.name(), t.optimizer(), t.kind(),
                t.steps().size(), r.engine());
        w.printf(Locale.ROOT, "  %-14s %-12s %9s %6s %12s %12s %10s  %s%n", "tensor", "shape", "elements", "steps",
                "param err", "ratio err", "ratio bnd", "result");
        for (Replay.TensorReport tr : r.tensors()) {
            w.printf(Locale.ROOT, "  %-14s %-12s %9d %6d %12.3e %12s %10.0e  %s%n", tr.name(),
                    shape(tr.shape()), tr.elements(), tr.stepsTaken(), tr.paramError(),
                    Double.isNaN(tr.ratioError()) ? "-" : String.format(Locale.ROOT, "%.3e", tr.ratioError()),
                    tr.ratioBound(), tr.ok() ? "ok" : "FAIL");
        }
        w.printf(Locale.ROOT, "  param bound %.0e x max|expected|: %s%n%n", Replay.PARAM_BOUND,
                r.ok() ? "PASS" : "FAIL");
    }

    private static String shape(int[] shape) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < shape.length; i++) {
            b.append(i == 0 ? "" : "x").append(shape[i]);
        }
        return b.append(']').toString();
    }
}
