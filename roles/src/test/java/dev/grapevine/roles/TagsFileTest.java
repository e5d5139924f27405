package dev.grapevine.roles;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --tags-file} as Serf's {@code -tags-file}: tag changes are written back, and restored on restart. */
class TagsFileTest {

    @Test
    void tagsChangedAtRunTimeAreWrittenAndComeBackOnRestart(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("tags.json");
        String[] args = {"--name", "tagged", "--bind", "127.0.6.30:7946", "--profile", "local",
                "--tags-file", file.toString()};
        try (Launch l = NodeLauncher.launch(args, Map.of(), List.of())) {
            assertFalse(Files.exists(file), "nothing is written before a change (as Serf)");
            l.node().updateTags(Map.of("role", "app", "version", "7", "quote", "a \"b\"", Roles.HEALTH, "passing"))
                    .get(10, TimeUnit.SECONDS);
            assertTrue(Poll.until(() -> Files.exists(file) && read(file).contains("\"version\": \"7\""),
                    Duration.ofSeconds(10)), () -> "written: " + read(file));
            assertEquals("{\n  \"quote\": \"a \\\"b\\\"\",\n  \"role\": \"app\",\n  \"version\": \"7\"\n}",
                    read(file), "sorted, indented, escaped, without the health tag");
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
            try (var leftovers = Files.list(dir)) {
                assertEquals(List.of(file), leftovers.toList(), "no temporary file left");
            }
        }
        try (Launch again = NodeLauncher.launch(args, Map.of(), List.of())) {
            assertTrue(Poll.until(() -> again.node().localMember() != null, Duration.ofSeconds(10)));
            Map<String, String> tags = again.node().localMember().tags();
            assertEquals("app", tags.get("role"));
            assertEquals("7", tags.get("version"));
            assertEquals("a \"b\"", tags.get("quote"));
            assertFalse(tags.containsKey(Roles.HEALTH), "the health tag is the checks' to set");
        }
    }

    @Test
    void tagsFileWithTagFlagsOrBadContentFailsNamingTheFlag(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("tags.json");
        String both = assertThrows(IllegalArgumentException.class, () -> LaunchOptions.parse(new String[]{
                "--name", "n", "--tags-file", file.toString(), "--tag", "a=b"}, Map.of())).getMessage();
        assertTrue(both.startsWith("--tags-file") && both.contains("--tag"), both);
        Files.writeString(file, "{\"a\": 1}");
        String bad = assertThrows(IllegalArgumentException.class, () -> LaunchOptions.parse(new String[]{
                "--name", "n", "--tags-file", file.toString()}, Map.of())).getMessage();
        assertTrue(bad.contains(file.toString()) && bad.contains("'a' must be a string"), bad);
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (java.io.IOException e) {
            return "";
        }
    }
}
