package org.pamadam.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The library built for JDK 17 on a JDK 19 or later, whose incubator Vector API has no
 * {@code ByteBuffer} access: the default kernel is still a vector kernel (it runs heap parameters;
 * direct buffers are staged through heap blocks, {@link StagingVectorKernel}), and 50 steps give the same bits
 * as on this JVM, on both memory kinds. On JDK 22+ the closed optimizer's off-heap moments are
 * freed (an arena, {@link OffHeapFloats}), and nothing warns. It runs {@link NewerJdkProbe} on the JDK named by
 * {@code -Dpamadam.test.newerJdk=JAVA_HOME}, else on the newest JDK 19+ found under
 * {@code /usr/lib/jvm} (the build machines have a Temurin 25 there); skipped when there is none.
 */
class NewerJdkTest {

    @Test
    void aNewerJdkRunsTheVectorKernelOnTheHeapWithTheSameBits() throws IOException, InterruptedException {
        Path home = newerJdk();
        assumeTrue(home != null, "no JDK 19 or later: set -Dpamadam.test.newerJdk or install one under /usr/lib/jvm");
        List<String> warnings = new ArrayList<>();
        List<String> there = probe(home, warnings);
        List<String> here = NewerJdkProbe.lines();
        assertEquals(there.size() > 3 ? 4 : 3, there.size(), "probe output on " + home + ": " + there);
        if (there.size() > 3) {
            // JDK 22+: the moments live in an arena, which closing the optimizer closed.
            assertEquals("moments after close: closed", there.get(3), home + ": " + there);
        }
        // Closing the optimizers frees their off-heap moments: no JDK warning about how (JDK 24 on
        // warns once about sun.misc.Unsafe's memory methods).
        assertTrue(warnings.isEmpty(), home + " printed: " + warnings);
        assertTrue(there.get(0).startsWith("kernel vector-"), home + " fell back from the vector kernels: " + there);
        assertTrue(there.get(1).startsWith("heap vector-"), home + ": " + there);
        // The weights' bits after 50 steps, heap then direct: the same as on this JVM, whatever the kernels.
        assertEquals(here.get(1).substring(here.get(1).lastIndexOf(' ')), there.get(1).substring(there.get(1).lastIndexOf(' ')),
                "heap weights on " + home + " and here: " + there + " / " + here);
        assertEquals(here.get(2).substring(here.get(2).lastIndexOf(' ')), there.get(2).substring(there.get(2).lastIndexOf(' ')),
                "direct weights on " + home + " and here: " + there + " / " + here);
    }

    /** The JDK to check: the property's, else the newest JDK 19+ under /usr/lib/jvm; null if none. */
    private static Path newerJdk() throws IOException {
        String named = System.getProperty("pamadam.test.newerJdk", "").trim();
        if (!named.isEmpty()) {
            return Path.of(named);
        }
        Path jvms = Path.of("/usr/lib/jvm");
        if (!Files.isDirectory(jvms)) {
            return null;
        }
        Path best = null;
        int bestMajor = 18;
        try (Stream<Path> homes = Files.list(jvms)) {
            for (Path home : (Iterable<Path>) homes::iterator) {
                int major = major(home);
                if (major > bestMajor && Files.isExecutable(home.resolve("bin/java"))) {
                    best = home;
                    bestMajor = major;
                }
            }
        }
        return best;
    }

    /** The feature version in a JDK's {@code release} file (JAVA_VERSION="25.0.3"), 0 when unreadable. */
    private static int major(Path home) {
        try {
            for (String line : Files.readAllLines(home.resolve("release"))) {
                if (line.startsWith("JAVA_VERSION=\"")) {
                    String v = line.substring("JAVA_VERSION=\"".length());
                    return Integer.parseInt(v.split("[.\"]")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return 0;
    }

    /** The probe's result lines; its other lines that start with "WARNING" (but the incubator notice) go to {@code warnings}. */
    private static List<String> probe(Path home, List<String> warnings) throws IOException, InterruptedException {
        List<String> lines = new ArrayList<>();
        for (String l : ChildJvm.run(home, List.of(), NewerJdkProbe.class)) {
            if (l.startsWith("kernel ") || l.startsWith("heap ") || l.startsWith("direct ") || l.startsWith("moments ")) {
                lines.add(l);
            } else if (l.startsWith("WARNING") && !l.contains("Using incubator modules")) {
                warnings.add(l);
            }
        }
        return lines;
    }
}
