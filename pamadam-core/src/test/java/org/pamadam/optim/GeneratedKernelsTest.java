package org.pamadam.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The committed kernels are what the templates generate today: a stale kernel fails here. */
class GeneratedKernelsTest {

    @Test
    void generatedKernelsMatchTheirTemplates() throws IOException {
        Path module = Path.of(".");
        for (Map.Entry<String, String> e : KernelGenerator.generateAll(module).entrySet()) {
            Path file = module.resolve(KernelGenerator.SOURCES).resolve(e.getKey());
            assertEquals(e.getValue(), Files.readString(file),
                    file + " is stale: its template changed; run tools/generate-kernels and commit the result");
        }
    }

    @Test
    void theGeneratorKnowsTheScratchLanesSize() {
        // The generator compiles alone (tools/generate-kernels), so it repeats the size it checks against.
        assertEquals(AccumulatorLanes.FLOATS, KernelGenerator.SCRATCH_FLOATS);
    }
}
