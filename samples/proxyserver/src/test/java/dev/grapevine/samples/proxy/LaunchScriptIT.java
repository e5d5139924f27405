package dev.grapevine.samples.proxy;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code samples/role.sh} starts each packaged role with the shipped options and the AppCDS archive the build
 * made: with {@code -Xshare:on} (the JVM refuses to start when the archive cannot be used) the role's own
 * classes are loaded from it. Runs after {@code package}; skips with a message when the build made no archive
 * ({@code -Dcds.skip=true}).
 */
class LaunchScriptIT {

    private static final Path SAMPLES = Path.of(System.getProperty("user.dir")).getParent();

    @ParameterizedTest
    @ValueSource(strings = {"appserver", "frontserver", "proxyserver", "dnsserver"})
    void aRoleStartsFromItsArchive(String role, @TempDir Path dir) throws Exception {
        Path jar = Topology.jar(SAMPLES, role);
        Path archive = jar.resolveSibling(role + ".jsa");
        Assumptions.assumeTrue(Files.exists(jar), "no " + jar + ": run after package");
        Assumptions.assumeTrue(Files.exists(archive), "no " + archive + " (built with -Dcds.skip=true?)");
        Path loads = dir.resolve("class-load.txt");
        ProcessBuilder pb = new ProcessBuilder(List.of("/bin/sh", SAMPLES.resolve("role.sh").toString(), role,
                "--help")).redirectErrorStream(true).redirectOutput(dir.resolve("out.txt").toFile());
        pb.environment().put("JAVA_OPTS", "-Xshare:on -Xlog:class+load=info:file=" + loads);
        pb.environment().put("PATH", Path.of(System.getProperty("java.home"), "bin") + ":"
                + System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), role + " --help did not end");
        String out = read(dir.resolve("out.txt"));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("--http") || out.contains("--dns"), "the role's --help: " + out);
        String mainClass = switch (role) {
            case "appserver" -> "dev.grapevine.samples.app.AppServer";
            case "frontserver" -> "dev.grapevine.samples.front.FrontServer";
            case "proxyserver" -> "dev.grapevine.samples.proxy.ProxyServer";
            default -> "dev.grapevine.samples.dns.DnsServer";
        };
        String log = read(loads);
        assertTrue(log.contains(mainClass + " source: shared objects file"),
                "the main class comes from the archive; class-load log: "
                        + log.lines().filter(l -> l.contains("dev.grapevine")).limit(5).toList());
    }

    private static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    }
}
