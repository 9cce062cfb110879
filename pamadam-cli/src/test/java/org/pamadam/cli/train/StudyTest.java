package org.pamadam.cli.train;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The default output folder: dated like runs/2026-11-23T21-50-00-compare, and never shared by two runs. */
class StudyTest {

    @Test
    void defaultOutIsAFreshDatedFolderEachTime() throws IOException {
        boolean hadRuns = Files.isDirectory(Path.of("runs"));
        Path first = Study.defaultOut("studytest");
        Path second = Study.defaultOut("studytest");
        try {
            assertNotEquals(first, second, "two runs in the same second get two folders");
            for (Path p : new Path[] {first, second}) {
                assertTrue(Files.isDirectory(p), p.toString());
                assertTrue(p.getFileName().toString()
                        .matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d-\\d\\d-\\d\\d-studytest(-\\d+)?"), p.toString());
            }
        } finally {
            Files.deleteIfExists(first);
            Files.deleteIfExists(second);
            if (!hadRuns) {
                Files.deleteIfExists(Path.of("runs"));
            }
        }
    }
}
