package org.pamadam.state;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Checkpoint#writeAtomically} under the failures a real disk can give but a test cannot provoke
 * (each injected through {@link Checkpoint#ops}): a failed file sync, a file system without atomic
 * rename and a failed folder sync are errors naming what failed, and until the rename the old file is
 * untouched and no temporary file is left. A temporary file left by a killed save is removed.
 */
class AtomicWriteTest {
    private static final byte[] OLD = "the previous checkpoint".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NEW = "the next checkpoint, longer".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;

    @AfterEach
    void realOps() {
        Checkpoint.ops = Checkpoint.REAL_OPS;
    }

    /** The real calls, with one of them replaced by a failure. */
    private static Checkpoint.FileOps failing(String which, IOException e) {
        return new Checkpoint.FileOps() {
            @Override
            public void force(FileChannel ch) throws IOException {
                if (which.equals("force")) {
                    throw e;
                }
                Checkpoint.REAL_OPS.force(ch);
            }

            @Override
            public void moveAtomically(Path from, Path to) throws IOException {
                if (which.equals("move")) {
                    throw e;
                }
                Checkpoint.REAL_OPS.moveAtomically(from, to);
            }

            @Override
            public void syncDirectory(Path d) throws IOException {
                if (which.equals("syncDirectory")) {
                    throw e;
                }
                Checkpoint.REAL_OPS.syncDirectory(d);
            }
        };
    }

    private Path existing() throws IOException {
        Path file = dir.resolve("opt.ckpt");
        Files.write(file, OLD);
        return file;
    }

    private List<String> names() throws IOException {
        try (var files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aFailedFileSyncIsAnErrorAndTheOldFileStays() throws IOException {
        Path file = existing();
        Checkpoint.ops = failing("force", new IOException("Input/output error"));
        IOException e = assertThrows(IOException.class, () -> Checkpoint.writeAtomically(file, NEW));
        assertTrue(e.getMessage().contains("opt.ckpt.tmp: could not sync to disk, so opt.ckpt was not replaced: "
                + "Input/output error"), e.getMessage());
        assertArrayEquals(OLD, Files.readAllBytes(file));
        assertEquals(List.of("opt.ckpt"), names(), "the temporary file is removed");
    }

    @Test
    void aFileSystemWithoutAtomicRenameIsRefusedByName() throws IOException {
        Path file = existing();
        Checkpoint.ops = failing("move", new AtomicMoveNotSupportedException("a", "b", "not here"));
        IOException e = assertThrows(IOException.class, () -> Checkpoint.writeAtomically(file, NEW));
        String store = Files.getFileStore(dir).type();
        assertTrue(e.getMessage().contains("the file system of " + dir.toAbsolutePath() + " (" + store
                + " file system '"), e.getMessage());
        assertTrue(e.getMessage().contains("cannot rename atomically; not saving there"), e.getMessage());
        assertArrayEquals(OLD, Files.readAllBytes(file), "no non-atomic fallback");
        assertEquals(List.of("opt.ckpt"), names());
    }

    @Test
    void aFailedFolderSyncIsAnError() throws IOException {
        Path file = existing();
        Checkpoint.ops = failing("syncDirectory", new IOException("Input/output error"));
        IOException e = assertThrows(IOException.class, () -> Checkpoint.writeAtomically(file, NEW));
        assertTrue(e.getMessage().startsWith(dir.toAbsolutePath() + ": could not sync the folder after renaming "
                + "opt.ckpt into it"), e.getMessage());
        assertTrue(e.getMessage().endsWith("Input/output error"), e.getMessage());
    }

    @Test
    void aTemporaryFileLeftByAKilledSaveIsRemovedByTheNextSave() throws IOException {
        Path file = existing();
        Path stale = dir.resolve("opt.ckpt.tmp");
        Files.write(stale, "half of a save that was killed".getBytes(StandardCharsets.US_ASCII));
        Checkpoint.writeAtomically(file, NEW);
        assertArrayEquals(NEW, Files.readAllBytes(file));
        assertEquals(List.of("opt.ckpt"), names());
    }

    @Test
    void aSaveIntoANewFolderCreatesIt() throws IOException {
        Path file = dir.resolve("a").resolve("b").resolve("opt.ckpt");
        Checkpoint.writeAtomically(file, NEW);
        assertArrayEquals(NEW, Files.readAllBytes(file));
    }

    @Test
    void aFolderWhoseFileSystemCannotBeReadIsNamedUnknown() throws IOException {
        Path sub = Files.createDirectories(dir.resolve("gone"));
        Path file = sub.resolve("opt.ckpt");
        // the move fails as on a file system without atomic rename, and the folder is gone by then
        Checkpoint.ops = new Checkpoint.FileOps() {
            @Override
            public void force(FileChannel ch) throws IOException {
                Checkpoint.REAL_OPS.force(ch);
            }

            @Override
            public void moveAtomically(Path from, Path to) throws IOException {
                Files.delete(from);
                Files.delete(sub);
                throw new AtomicMoveNotSupportedException(from.toString(), to.toString(), "not here");
            }

            @Override
            public void syncDirectory(Path d) throws IOException {
                Checkpoint.REAL_OPS.syncDirectory(d);
            }
        };
        IOException e = assertThrows(IOException.class, () -> Checkpoint.writeAtomically(file, NEW));
        assertTrue(e.getMessage().contains("the file system of " + sub.toAbsolutePath() + " (file system unknown: "
                + sub.toAbsolutePath()), e.getMessage());
        assertTrue(e.getMessage().contains("cannot rename atomically; not saving there"), e.getMessage());
    }

    @Test
    void theRealSyncsReportTheirFailures() throws IOException {
        // a channel that can no longer be forced: the real file sync passes its failure on
        FileChannel closed = FileChannel.open(Files.createFile(dir.resolve("f")), java.nio.file.StandardOpenOption.WRITE);
        closed.close();
        assertThrows(java.nio.channels.ClosedChannelException.class, () -> Checkpoint.REAL_OPS.force(closed));
        // a folder that cannot be opened: the real folder sync fails (outside Windows, where it is skipped)
        if (!System.getProperty("os.name", "").startsWith("Windows")) {
            assertThrows(java.nio.file.NoSuchFileException.class,
                    () -> Checkpoint.REAL_OPS.syncDirectory(dir.resolve("missing")));
        }
    }
}
