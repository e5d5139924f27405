package dev.grapevine.handlers.template;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpecParsingTest {

    @Test
    void parsesSourceDestinationAndCommandWithColons() {
        TemplateSpec s = TemplateSpec.parse("in.tmpl:/etc/out.conf:sh -c 'echo a:b' && nginx -s reload");
        assertEquals("in.tmpl", s.source());
        assertEquals(Path.of("/etc/out.conf"), s.destination());
        assertEquals("sh -c 'echo a:b' && nginx -s reload", s.command().orElseThrow());
        assertTrue(s.checkCommand().isEmpty());
    }

    @Test
    void aClasspathSourceKeepsItsColon() {
        TemplateSpec s = TemplateSpec.parse("classpath:templates/nginx-upstream.conf.tmpl:/tmp/up.conf");
        assertEquals(TemplateSpec.NGINX_UPSTREAM, s.source());
        assertEquals(Path.of("/tmp/up.conf"), s.destination());
        assertTrue(s.command().isEmpty());
    }

    @Test
    void withersCopy() {
        TemplateSpec s = TemplateSpec.of("a", Path.of("b")).withParam("role", "app").withParam("upstream", "x")
                .withCheckCommand("nginx -t").withCommandTimeout(Duration.ofSeconds(3));
        assertEquals(Map.of("role", "app", "upstream", "x"), s.params());
        assertEquals("nginx -t", s.checkCommand().orElseThrow());
        assertEquals(Duration.ofSeconds(3), s.commandTimeout());
        assertEquals(TemplateSpec.DEFAULT_COMMAND_TIMEOUT, TemplateSpec.of("a", Path.of("b")).commandTimeout());
    }

    @Test
    void badSpecsSayWhatIsMissing() {
        assertMessage("--template: empty", () -> TemplateSpec.parse(" "));
        assertMessage("no destination", () -> TemplateSpec.parse("in.tmpl"));
        assertMessage("no destination", () -> TemplateSpec.parse("classpath:in.tmpl"));
        assertMessage("source (SRC) is empty", () -> TemplateSpec.parse(":out"));
        assertMessage("source (SRC) is empty", () -> TemplateSpec.parse("classpath::out"));
        assertMessage("destination (DEST) is empty", () -> TemplateSpec.parse("in::cmd"));
        assertMessage("command after the second ':' is empty", () -> TemplateSpec.parse("in:out: "));
        assertMessage("timeout must be positive", () -> TemplateSpec.of("a", Path.of("b")).withCommandTimeout(Duration.ZERO));
    }

    @Test
    void parsesWaits() {
        assertEquals(new TemplateWait(Duration.ofSeconds(2), Duration.ofSeconds(10)), TemplateWait.parse("2s:10s"));
        assertEquals(new TemplateWait(Duration.ofMillis(500), Duration.ofSeconds(2)), TemplateWait.parse("500ms"));
        assertEquals(new TemplateWait(Duration.ofSeconds(90), Duration.ofMinutes(2)), TemplateWait.parse("1m30s:2m"));
        assertEquals(new TemplateWait(Duration.ofMillis(1500), Duration.ofHours(1)), TemplateWait.parse("1.5s:1h"));
        assertEquals(TemplateWait.NONE, TemplateWait.parse("0"));
        assertEquals(new TemplateWait(Duration.ZERO, Duration.ofSeconds(5)), TemplateWait.parse("0s:5s"));
        assertEquals(new TemplateWait(Duration.ofNanos(1500), Duration.ofNanos(6000)), TemplateWait.parse("1500ns"));
    }

    @Test
    void badWaitsSayWhatIsWrong() {
        assertMessage("must be at least min", () -> TemplateWait.parse("10s:2s"));
        assertMessage("--template-wait 1d: '1d' is not a duration", () -> TemplateWait.parse("1d"));
        assertMessage("--template-wait 5: '5' is not a duration", () -> TemplateWait.parse("5"));
        assertMessage("is not a duration", () -> TemplateWait.parse("s"));
        assertMessage("is not a duration", () -> TemplateWait.parse("1.2.3s"));
        assertMessage("is not a duration", () -> TemplateWait.parse("-1s"));
        assertMessage("--template-wait 2s:: duration is empty", () -> TemplateWait.parse("2s:"));
        assertMessage("--template-wait: empty", () -> TemplateWait.parse(""));
        assertMessage("longer than a year", () -> TemplateWait.parse("9999999999h"));
    }

    private static void assertMessage(String part, org.junit.jupiter.api.function.Executable e) {
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, e);
        assertTrue(x.getMessage().contains(part), x.getMessage());
    }
}
