package org.pamadam.optim;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The 256-bit kernel on an AVX2 JVM allocates nothing per step after warm-up, on heap and on direct
 * parameters. On JDK 17, C2 kept the vectors of the 256-bit loops in heap boxes in many such JVMs (1 to
 * 2 MB and 2.5 to 3.5 times the time per step, for good: {@code docs/benchmarks/kernel-views/boxing/}),
 * which {@link AllocationTest} cannot see on an AVX-512 build machine: on the heap in about half of
 * them with 16 elements per loop iteration, off-heap in 21 of 56 with the same, and in most with
 * register accumulators shifted one vector at a time. Whether a JVM boxes depends on how C2 compiles
 * it, so this starts fresh JVMs with {@code -XX:UseAVX=2} ({@link AllocationProbe}), {@value #HEAP_JVMS}
 * on the heap and {@value #DIRECT_JVMS} off-heap, and fails when more than one of either still
 * allocates in its last window.
 * <ul>
 * <li>Heap: with the old loops that happened in about 7 tries of 10; with the one-vector loops one JVM
 *     in 20 or fewer allocated, so a false failure takes two such JVMs of four (about 1 in 70 or
 *     rarer).</li>
 * <li>Off-heap: at 21 in 56, two or more of six allocate in about 3 tries of 4; with the scratch lanes
 *     none of 60 allocated. Even at 5% per JVM (the 95% upper bound after 0 of 60), two of six would
 *     allocate about once in 30 runs; at 1% per JVM, once in 700.</li>
 * </ul>
 * Skipped where HotSpot does not then pick the 256-bit kernel (not x86, or no AVX2).
 */
class AvxTwoAllocationTest {
    private static final int HEAP_JVMS = 4;
    private static final int DIRECT_JVMS = 6;

    @Test
    void theAvx2HeapKernelDoesNotBoxItsVectors() throws IOException, InterruptedException {
        assertAtMostOneAllocates(HEAP_JVMS, false);
    }

    @Test
    void theAvx2OffHeapKernelDoesNotBoxItsVectors() throws IOException, InterruptedException {
        assertAtMostOneAllocates(DIRECT_JVMS, true);
    }

    private static void assertAtMostOneAllocates(int jvms, boolean direct) throws IOException, InterruptedException {
        String arch = System.getProperty("os.arch");
        assumeTrue(arch.equals("amd64") || arch.equals("x86_64"), "x86 only: " + arch);
        List<List<String>> allocating = new ArrayList<>();
        for (int run = 0; run < jvms; run++) {
            List<String> out = probe(direct);
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
        assertTrue(allocating.size() <= 1, allocating.size() + " of " + jvms + (direct ? " off-heap" : " heap")
                + " JVMs still allocate per step after warm-up (bytes per step per thread, by window): " + allocating);
    }

    private static List<String> probe(boolean direct) throws IOException, InterruptedException {
        List<String> lines = new ArrayList<>();
        for (String l : ChildJvm.run(ChildJvm.thisJdk(), List.of("-XX:UseAVX=2"), AllocationProbe.class,
                direct ? new String[] {"direct"} : new String[0])) {
            if (l.startsWith("kernel ") || l.startsWith("window ")) {
                lines.add(l);
            }
        }
        return lines;
    }
}
