package dev.grapevine.roles;

import dev.grapevine.Profile;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LaunchOptionsTest {

    @Test
    void flagsAreParsedInBothForms() {
        LaunchOptions o = LaunchOptions.parse(new String[]{"--name", "app1", "--bind=127.0.0.5:7000",
                "--join", "127.0.0.2:7946", "--join=127.0.0.3", "--tag", "role=app", "--profile", "local"}, Map.of());
        assertEquals("app1", o.name());
        assertEquals(7000, o.bind().port());
        assertEquals(List.of("127.0.0.2:7946", "127.0.0.3"), o.join());
        assertEquals(Map.of("role", "app"), o.tags());
        assertEquals(Profile.LOCAL, o.profile());
    }

    @Test
    void environmentFillsInAndFlagsWin() {
        Map<String, String> env = Map.of("GRAPEVINE_NAME", "fromenv", "GRAPEVINE_JOIN", "127.0.0.2:1,127.0.0.3:2",
                "GRAPEVINE_TAGS", "role=front,http.port=8080");
        LaunchOptions o = LaunchOptions.parse(new String[0], env);
        assertEquals("fromenv", o.name());
        assertEquals(2, o.join().size());
        assertEquals("front", o.tags().get("role"));
        assertEquals("flag", LaunchOptions.parse(new String[]{"--name", "flag"}, env).name());
    }

    @Test
    void badValuesNameTheFlag() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LaunchOptions.parse(
                new String[]{"--name", "a", "--bind", "host:notaport"}, Map.of())).getMessage().startsWith("--bind"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LaunchOptions.parse(
                new String[]{"--name", "a", "--tag", "novalue"}, Map.of())).getMessage().startsWith("--tag"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LaunchOptions.parse(
                new String[]{"--name", "a", "--profile", "mars"}, Map.of())).getMessage().startsWith("--profile"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LaunchOptions.parse(
                new String[]{"--bogus", "1"}, Map.of())).getMessage().contains("--bogus"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LaunchOptions.parse(
                new String[0], Map.of())).getMessage().contains("--name"));
    }

    @Test
    void keysAndClusterAreReadAndBadKeysNameTheFlag() {
        String key = dev.grapevine.security.Keyring.generateKeyBase64();
        LaunchOptions o = LaunchOptions.parse(new String[]{"--name", "a", "--key", key, "--cluster", "shop"}, Map.of());
        assertEquals(dev.grapevine.security.Keyring.ofBase64(key), o.keyring());
        assertEquals("shop", o.cluster());
        assertEquals(null, LaunchOptions.parse(new String[]{"--name", "a"}, Map.of()).keyring(), "plaintext by default");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LaunchOptions.parse(
                new String[]{"--name", "a", "--key", "not-a-key"}, Map.of()));
        assertTrue(e.getMessage().startsWith("--key: "), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LaunchOptions.parse(
                new String[]{"--name", "a", "--key-file", "/nonexistent/keys"}, Map.of()));
        assertTrue(e.getMessage().startsWith("--key-file: "), e.getMessage());
    }
}
