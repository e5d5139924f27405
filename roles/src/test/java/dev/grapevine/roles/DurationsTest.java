package dev.grapevine.roles;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DurationsTest {

    @Test
    void readsEveryGoUnit() {
        assertEquals(Duration.ofNanos(1500), Durations.parse("1500ns"));
        assertEquals(Duration.ofNanos(2000), Durations.parse("2us"));
        assertEquals(Duration.ofNanos(2500), Durations.parse("2.5µs"));
        assertEquals(Duration.ofMillis(500), Durations.parse("500ms"));
        assertEquals(Duration.ofMinutes(2).plusNanos(7), Durations.parse("2m7ns"));
        assertEquals(Duration.ofDays(365), Durations.parse("8760h"));
    }

    @Test
    void parseRejectsZeroButParseNonNegativeTakesIt() {
        for (String zero : new String[]{"0", "0s", "0ms", "00m", "0h0s", " 0 ", "0.0s"}) {
            assertEquals(Duration.ZERO, Durations.parseNonNegative(zero), zero);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse(zero));
            assertTrue(e.getMessage().contains("must be more than 0"), e.getMessage());
        }
        assertEquals(Duration.ofSeconds(5), Durations.parseNonNegative("5s"));
        assertEquals(Duration.ofSeconds(5400), Durations.parseNonNegative("1h30m"));
    }

    @Test
    void parseNonNegativeStillRejectsWhatIsNotADuration() {
        assertMessage("empty", "");
        assertMessage("empty", " ");
        assertMessage("empty", null);
        for (String bad : new String[]{"5", "s", "-5s", "-0s", "5 s", "5sec", "1d", "1.2.3s", "00", "0x", "1s5"}) {
            assertMessage("is not a duration", bad);
        }
        assertMessage("longer than a year", "8761h");
        assertMessage("longer than a year", "9999999999h");
    }

    @Test
    void formatIsReadBackByParseNonNegative() {
        for (String text : new String[]{"0s", "500ms", "5s", "2m", "3h", "0.0015ms", "90s"}) {
            assertEquals(text, Durations.format(Durations.parseNonNegative(text)));
        }
    }

    private static void assertMessage(String part, String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Durations.parseNonNegative(text), text);
        assertTrue(e.getMessage().contains(part), text + ": " + e.getMessage());
    }
}
