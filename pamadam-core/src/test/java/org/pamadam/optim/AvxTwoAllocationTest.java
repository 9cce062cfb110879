package org.pamadam.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The 256-bit kernel on an AVX2 JVM allocates nothing per step after warm-up, on heap parameters. On
 * JDK 17, C2 kept the vectors of the 256-bit heap loops in heap boxes in about half of such JVMs when
 * each loop iteration held 16 elements (1 to 2 MB and 2.5 to 3.5 times the time per step, for good:
 * {@code docs/benchmarks/kernel-views/boxing/one-vector/}), which {@link AllocationTest} cannot see on
 * an AVX-512 build machine. Whether a JVM boxes depends on how C2 compiles it, so this starts
 * {@value #JVMS} fresh ones with {@code -XX:UseAVX=2} ({@link AllocationProbe}) and fails when more
 * than one still allocates in its last window: with the old loops that happened in about 7 tries of
 * 10; with the one-vector loops one JVM in 20 or fewer allocated, so a false failure takes two such
 * JVMs of four (about 1 in 70 or rarer). Skipped where HotSpot does not then pick the 256-bit kernel
 * (not x86, or no AVX2). The off-heap loops still box in some AVX2 JVMs; that is recorded, not tested
 * here.
 */
class AvxTwoAllocationTest {
    private static final int JVMS = 4;

    @Test
    void theAvx2HeapKernelDoesNotBoxItsVectors() throws IOException, InterruptedException {
        String arch = System.getProperty("os.arch");
        assumeTrue(arch.equals("amd64") || arch.equals("x86_64"), "x86 only: " + arch);
        List<List<String>> allocating = new ArrayList<>();
        for (int run = 0; run < JVMS; run++) {
            List<String> out = probe();
            assumeTrue(!out.isEmpty() && out.get(0).startsWith("kernel vector-256"), "no 256-bit kernel under -XX:UseAVX=2 here: " + out);
            String last = out.get(out.size() - 1);
            assertTrue(last.startsWith("window 5 "), "the probe did not finish: " + out);
            // Under 16 bytes per step per thread, as AllocationTest: a vector box takes 48 and more.
            for (String field : last.substring("window 5 ".length()).split(" ")) {
                if (Long.parseLong(field.substring(field.indexOf('=') + 1)) >= 16) {
                    allocating.add(out);
                    break;
                }
            }
        }
        assertTrue(allocating.size() <= 1, allocating.size() + " of " + JVMS + " JVMs still allocate per"
                + " step after warm-up (bytes per step per thread, by window): " + allocating);
    }

    private static List<String> probe() throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--add-modules");
        cmd.add("jdk.incubator.vector");
        cmd.add("-XX:UseAVX=2");
        cmd.add("-Xmx512m");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(AllocationProbe.class.getName());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "probe JVM failed: " + text);
        List<String> lines = new ArrayList<>();
        for (String l : text.split("\n")) {
            if (l.startsWith("kernel ") || l.startsWith("window ")) {
                lines.add(l.strip());
            }
        }
        return lines;
    }
}
