package org.pamadam.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.Properties;
import org.pamadam.optim.Optimizer;
import org.pamadam.state.CheckpointException;
import org.pamadam.data.DataException;
import org.pamadam.trace.TraceFormatException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code pamadam} command. Subcommands parse, delegate and print; the work is done in the library
 * modules. Exit codes: 0 success, 1 a check failed (e.g. a replay disagreed), 2 bad input (malformed
 * file, unknown option value, invalid hyperparameters), 3 an internal error.
 */
@Command(name = "pamadam", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "PAMAdam for Java: replay PyTorch traces, train and compare optimizers.",
        subcommands = {ReplayCommand.class, TrainCommand.class, CompareCommand.class,
            CommandLine.HelpCommand.class})
public final class Main {
    public static final int OK = 0;
    public static final int CHECK_FAILED = 1;
    public static final int BAD_INPUT = 2;
    public static final int INTERNAL = 3;

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command line and returns the exit code (used by tests). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((e, line, parsed) -> {
            if (isBadInput(e)) {
                line.getErr().println("pamadam: error: " + e.getMessage());
                return BAD_INPUT;
            }
            line.getErr().println("pamadam: internal error: " + e);
            e.printStackTrace(line.getErr());
            return INTERNAL;
        });
        return cli.execute(args);
    }

    private static boolean isBadInput(Throwable e) {
        return e instanceof TraceFormatException || e instanceof DataException || e instanceof CheckpointException
                || e instanceof IllegalArgumentException || e instanceof UncheckedIOException
                || e instanceof IOException;
    }

    /** Version and the kernel this JVM runs. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            Properties p = new Properties();
            try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            } catch (IOException e) {
                // leave the version unknown
            }
            return new String[] {
                "pamadam " + p.getProperty("version", "unknown"),
                "kernel: " + Optimizer.defaultKernel(),
                "java: " + System.getProperty("java.version") + " (" + Runtime.getRuntime().availableProcessors()
                        + " processors)"
            };
        }
    }
}
