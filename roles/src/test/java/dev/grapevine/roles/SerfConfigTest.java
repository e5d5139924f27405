package dev.grapevine.roles;

import dev.grapevine.security.Keyring;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A Serf agent's configuration files and directories, as {@code serf agent -config-file/-config-dir} reads them
 * (Serf's {@code ReadConfigPaths} and {@code MergeConfig}), through the launcher's flags.
 */
class SerfConfigTest {

    private static final String KEY1 = Keyring.generateKeyBase64();
    private static final String KEY2 = Keyring.generateKeyBase64();

    private static LaunchOptions parse(String... args) {
        return LaunchOptions.parse(args, Map.of());
    }

    /** The message of the start that fails on {@code f} holding {@code json}. */
    private static String failure(Path f, String json) throws Exception {
        Files.writeString(f, json);
        return assertThrows(IllegalArgumentException.class, () -> parse("--config-file", f.toString())).getMessage();
    }

    @Test
    void aDirectoryIsReadInLexicalOrderLaterFilesWinListsAppendTagsMerge(@TempDir Path dir) throws Exception {
        Path conf = Files.createDirectory(dir.resolve("serf.d"));
        Files.writeString(conf.resolve("10-base.json"), """
                {"node_name": "base", "bind": "127.0.0.5:7946", "tags": {"role": "app", "dc": "east"},
                 "start_join": ["127.0.0.1:7946"], "profile": "wan", "snapshot_path": "%s"}
                """.formatted(dir.resolve("snap")));
        Files.writeString(conf.resolve("20-override.json"), """
                {"node_name": "web1", "tags": {"dc": "west"}, "retry_join": ["127.0.0.2"]}
                """);
        Files.writeString(conf.resolve("README"), "not json, not read");
        Files.createDirectory(conf.resolve("nested.json")); // directories inside are not read

        LaunchOptions o = parse("--config-dir", conf.toString());
        assertEquals("web1", o.name(), "the later file wins");
        assertEquals("127.0.0.5:7946", o.bind().toString());
        assertEquals("west", o.tags().get("dc"), "tags merge, the later value winning");
        assertEquals("app", o.tags().get("role"));
        assertEquals(List.of("127.0.0.1:7946", "127.0.0.2"), o.join(), "start_join and retry_join append");
        assertEquals("WAN", o.profile().name());
        assertEquals(dir.resolve("snap"), o.snapshot().orElseThrow());

        LaunchOptions flagsWin = parse("--config-dir", conf.toString(), "--name", "cli", "--tag", "dc=north",
                "--join", "127.0.0.3:7946");
        assertEquals("cli", flagsWin.name(), "a flag wins over the files");
        assertEquals("north", flagsWin.tags().get("dc"));
        assertEquals("app", flagsWin.tags().get("role"), "a tag the flags do not set stays");
        assertEquals(List.of("127.0.0.1:7946", "127.0.0.2", "127.0.0.3:7946"), flagsWin.join(),
                "the files' joins first, then the flags'");
    }

    @Test
    void filesAreReadInTheOrderGivenAndSerfsKeyringFileIsTaken(@TempDir Path dir) throws Exception {
        Path keyring = dir.resolve("keyring");
        Files.writeString(keyring, "[\n  \"" + KEY1 + "\",\n  \"" + KEY2 + "\"\n]\n"); // as Serf writes it
        Path a = dir.resolve("a.json");
        Path b = dir.resolve("b.json");
        Files.writeString(a, "{\"node_name\": \"from-a\", \"role\": \"front\", \"keyring_file\": \"" + keyring + "\"}");
        Files.writeString(b, "{\"node_name\": \"from-b\", \"advertise\": \"\"}");
        LaunchOptions o = parse("--config-file", b.toString(), "--config-file", a.toString());
        assertEquals("from-a", o.name(), "the last path given wins");
        assertEquals("front", o.tags().get("role"), "Serf's role key is the role tag");
        Keyring k = o.keyring();
        assertEquals(2, k.keys().size());
        assertEquals(Keyring.ofBase64(KEY1).primary(), k.primary(), "the first key of the array is the primary");
    }

    @Test
    void aNodeStartedFromASerfConfigDirectoryAndKeyringJoinsAndIsSeenWithItsTags(@TempDir Path dir) throws Exception {
        Path keyring = dir.resolve("keyring.json");
        Files.writeString(keyring, "[\n  \"" + KEY1 + "\",\n  \"" + KEY2 + "\"\n]");
        Path conf = Files.createDirectory(dir.resolve("serf.d"));
        Files.writeString(conf.resolve("agent.json"), """
                {
                  "node_name": "web1",
                  "bind": "127.0.6.31:7946",
                  "keyring_file": "%s",
                  "tags": {"role": "app", "dc": "east"},
                  "start_join": ["127.0.6.32:7946"],
                  "profile": "local"
                }
                """.formatted(keyring));
        try (Launch seed = NodeLauncher.launch(new String[]{"--name", "seed", "--bind", "127.0.6.32:7946",
                "--profile", "local", "--key", KEY1}, Map.of(), List.of());
             Launch web = NodeLauncher.launch(new String[]{"--config-dir", conf.toString()}, Map.of(), List.of())) {
            assertEquals("web1", web.node().name());
            assertTrue(Poll.until(() -> seed.node().member("web1").map(m -> m.isUp()).orElse(false),
                    java.time.Duration.ofSeconds(20)), "the seed, sharing the primary key, sees web1 join");
            Map<String, String> tags = seed.node().member("web1").orElseThrow().tags();
            assertEquals("app", tags.get("role"));
            assertEquals("east", tags.get("dc"));
        }
    }

    @Test
    void serfsTimeoutsAndSizeLimitsReachTheGossipSettings(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("agent.json");
        Files.writeString(f, """
                {"node_name": "n", "reconnect_interval": "15s", "reconnect_timeout": "48h",
                 "tombstone_timeout": "24h", "user_event_size_limit": 1024, "query_size_limit": 1100,
                 "query_response_size_limit": 1000, "profile": "local", "retry_interval": "30s",
                 "retry_max_attempts": 3}
                """);
        LaunchOptions o = parse("--config-file", f.toString());
        assertEquals(java.time.Duration.ofSeconds(30), o.retryInterval());
        assertEquals(3, o.retryMaxAttempts());
        assertEquals(java.time.Duration.ofSeconds(2), parse("--name", "n").retryInterval(), "Grapevine's default");
        assertEquals(0, parse("--name", "n").retryMaxAttempts(), "no limit by default");
        var c = o.gossipConfig();
        assertEquals(java.time.Duration.ofSeconds(15), c.reconnectInterval());
        assertEquals(java.time.Duration.ofHours(48), c.reconnectTimeout());
        assertEquals(java.time.Duration.ofHours(24), c.tombstoneTimeout());
        assertEquals(1024, c.userEventSizeLimit());
        assertEquals(1100, c.querySizeLimit());
        assertEquals(1000, c.queryResponseSizeLimit());
        assertEquals(dev.grapevine.GossipConfig.local().probeTimeout(), c.probeTimeout(), "the rest is the profile's");
        var flagsWin = parse("--config-file", f.toString(), "--reconnect-interval", "1m").gossipConfig();
        assertEquals(java.time.Duration.ofMinutes(1), flagsWin.reconnectInterval());

        String badDuration = failure(f, "{\"node_name\": \"n\", \"tombstone_timeout\": \"soon\"}");
        assertTrue(badDuration.startsWith("--tombstone-timeout"), badDuration);
        String tooLarge = failure(f, "{\"node_name\": \"n\", \"user_event_size_limit\": 9216}");
        assertTrue(tooLarge.contains("userEventSizeLimit") && tooLarge.contains("9216"), tooLarge);
        String notANumber = failure(f, "{\"node_name\": \"n\", \"query_size_limit\": \"4k\"}");
        assertTrue(notANumber.contains("'query_size_limit'") && notANumber.contains("whole number"), notANumber);
    }

    @Test
    void serfsSwitchesAndLogLevelMergeAsSerfMergesThem(@TempDir Path dir) throws Exception {
        LaunchOptions defaults = parse("--name", "n");
        assertEquals(LogLevel.INFO, defaults.logLevel());
        assertTrue(!defaults.logLevelGiven() && !defaults.rejoinAfterLeave() && !defaults.skipLeaveOnInterrupt());
        assertTrue(defaults.leaveOnTerminate(), "Grapevine leaves on SIGTERM unless told otherwise");

        Path conf = Files.createDirectory(dir.resolve("serf.d"));
        Files.writeString(conf.resolve("1.json"), "{\"node_name\": \"n\", \"log_level\": \"DEBUG\","
                + " \"rejoin_after_leave\": true, \"leave_on_terminate\": false, \"skip_leave_on_interrupt\": true}");
        LaunchOptions o = parse("--config-dir", conf.toString());
        assertEquals(LogLevel.DEBUG, o.logLevel(), "Serf's level names, any case");
        assertTrue(o.logLevelGiven() && o.rejoinAfterLeave() && o.skipLeaveOnInterrupt());
        assertTrue(!o.leaveOnTerminate(), "an explicit false stops without leaving, as Serf's default");

        // Serf's merge: a later false does not undo an earlier true.
        Files.writeString(conf.resolve("2.json"), "{\"rejoin_after_leave\": false, \"leave_on_terminate\": true,"
                + " \"log_level\": \"err\"}");
        Files.writeString(conf.resolve("3.json"), "{\"leave_on_terminate\": false, \"log_level\": \"\"}");
        LaunchOptions merged = parse("--config-dir", conf.toString());
        assertTrue(merged.rejoinAfterLeave(), "true stays true");
        assertTrue(merged.leaveOnTerminate(), "once a file says true it stays true");
        assertEquals(LogLevel.ERR, merged.logLevel(), "an empty level keeps the earlier one");
        assertEquals(LogLevel.WARN, parse("--config-dir", conf.toString(), "--log-level", "warning").logLevel(),
                "the flag wins");
        assertTrue(!parse("--name", "n", "--leave-on-terminate", "false").leaveOnTerminate());
    }

    @Test
    void badConfigurationFailsNamingTheFileTheKeyAndTheProblem(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("agent.json");
        String unknown = failure(f, "{\"node_name\": \"n\", \"bind_addr\": \"0.0.0.0\"}");
        assertTrue(unknown.contains(f.toString()) && unknown.contains("'bind_addr'") && unknown.contains("unknown key"),
                unknown);

        String notYet = failure(f, "{\"node_name\": \"n\", \"rpc_addr\": \"127.0.0.1:7373\"}");
        assertTrue(notYet.contains("'rpc_addr'") && notYet.contains("does not take yet"), notYet);

        String notABool = failure(f, "{\"node_name\": \"n\", \"leave_on_terminate\": \"yes\"}");
        assertTrue(notABool.contains("'leave_on_terminate'") && notABool.contains("true or false"), notABool);
        String badLevel = failure(f, "{\"node_name\": \"n\", \"log_level\": \"loud\"}");
        assertTrue(badLevel.startsWith("--log-level") && badLevel.contains("trace, debug, info, warn, err"),
                badLevel);

        String type = failure(f, "{\"node_name\": \"n\", \"start_join\": \"127.0.0.1\"}");
        assertTrue(type.contains("'start_join'") && type.contains("must be a list of strings, was a string"), type);

        String json = failure(f, "{\"node_name\": \"n\",, }");
        assertTrue(json.startsWith(f + ": not valid JSON"), json);

        String value = failure(f, "{\"node_name\": \"n\", \"profile\": \"fast\"}");
        assertTrue(value.contains("--profile") && value.contains("fast"), value);

        String noHandlers = failure(f, "{\"node_name\": \"n\", \"event_handlers\": [\"member-join=x.sh\"]}");
        assertTrue(noHandlers.contains("--event-handler") && noHandlers.contains("not taken by this program"),
                noHandlers);

        String missing = assertThrows(IllegalArgumentException.class, () -> parse("--name", "n", "--config-dir",
                dir.resolve("nope").toString())).getMessage();
        assertTrue(missing.contains("nope") && missing.contains("no such file or directory"), missing);
    }
}
