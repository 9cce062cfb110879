package org.pamadam.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Runs a main class of the test classpath in a fresh JVM, for tests that need one per run. */
final class ChildJvm {
    private ChildJvm() {
    }

    /**
     * Runs {@code main} with {@code args} on the JDK at {@code javaHome}, with the incubator vector
     * module, {@code flags} and a 512 MB heap; fails unless it exits 0. Returns its output lines
     * (stdout and stderr together), stripped.
     */
    static List<String> run(Path javaHome, List<String> flags, Class<?> main, String... args)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(javaHome.resolve("bin").resolve("java").toString(),
                "--add-modules", "jdk.incubator.vector", "-Xmx512m"));
        cmd.addAll(flags);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "JVM " + cmd + " failed: " + text);
        List<String> lines = new ArrayList<>();
        for (String l : text.split("\n")) {
            lines.add(l.strip());
        }
        return lines;
    }

    /** This JVM's own JDK. */
    static Path thisJdk() {
        return Path.of(System.getProperty("java.home"));
    }
}
