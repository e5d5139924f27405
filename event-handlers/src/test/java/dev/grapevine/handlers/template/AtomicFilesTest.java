package dev.grapevine.handlers.template;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AtomicFilesTest {

    @TempDir
    Path dir;

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private long leftovers() throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".tmp")).count();
        }
    }

    @Test
    void aNewFileGetsReadableByAllAndParentsAreCreated() throws IOException {
        Path f = dir.resolve("a/b/out.conf");
        assertNull(AtomicFiles.readIfExists(f));
        AtomicFiles.write(f, bytes("one"));
        assertArrayEquals(bytes("one"), AtomicFiles.readIfExists(f));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        assertEquals(0, leftovers());
    }

    @Test
    void replacingKeepsPermissionsAndSwapsTheInode() throws IOException {
        Path f = dir.resolve("out.conf");
        Files.writeString(f, "old");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r-----"));
        Object before = Files.getAttribute(f, "unix:ino");
        AtomicFiles.write(f, bytes("new content"));
        assertEquals("new content", Files.readString(f));
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        // A rename, not an in-place rewrite: a reader holding the old file keeps reading the old content.
        assertTrue(!before.equals(Files.getAttribute(f, "unix:ino")), "replaced by rename");
        assertEquals(0, leftovers());
    }

    @Test
    void aSymbolicLinkStaysAndItsTargetIsReplaced() throws IOException {
        Path target = Files.createDirectories(dir.resolve("real")).resolve("up.conf");
        Files.writeString(target, "old");
        Path link = Files.createSymbolicLink(dir.resolve("link.conf"), target);
        AtomicFiles.write(link, bytes("new"));
        assertTrue(Files.isSymbolicLink(link));
        assertEquals("new", Files.readString(target));
    }

    @Test
    void aFailedWriteLeavesTheOldFileAndNoTemporaryFile() throws IOException {
        Path f = dir.resolve("out.conf");
        Files.createDirectory(f); // a directory where the file should be: the rename must fail
        Files.writeString(f.resolve("keep"), "x");
        assertThrows(IOException.class, () -> AtomicFiles.write(f, bytes("new")));
        assertEquals("x", Files.readString(f.resolve("keep")));
        assertEquals(0, leftovers());
    }
}
