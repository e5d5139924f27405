package dev.grapevine.roles;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as people write them on command lines: {@code 500ms}, {@code 5s}, {@code 1.5s}, {@code 2m}, {@code 1h30m}. */
public final class Durations {

    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)");
    private static final Duration MAX = Duration.ofDays(365);

    private Durations() {
    }

    /**
     * Parses one or more number-and-unit parts (units {@code ms}, {@code s}, {@code m}, {@code h}), summed;
     * the result must be positive and at most a year.
     *
     * @throws IllegalArgumentException saying what is wrong with {@code text}
     */
    public static Duration parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("duration is empty");
        }
        String s = text.trim();
        Matcher m = PART.matcher(s);
        BigDecimal nanos = BigDecimal.ZERO;
        int at = 0;
        while (at < s.length()) {
            if (!m.find(at) || m.start() != at) {
                throw new IllegalArgumentException("'" + text + "' is not a duration such as 500ms, 5s, 2m or 1h30m");
            }
            BigDecimal unit = switch (m.group(2)) {
                case "ms" -> BigDecimal.valueOf(1_000_000L);
                case "s" -> BigDecimal.valueOf(1_000_000_000L);
                case "m" -> BigDecimal.valueOf(60_000_000_000L);
                default -> BigDecimal.valueOf(3_600_000_000_000L);
            };
            nanos = nanos.add(new BigDecimal(m.group(1)).multiply(unit));
            at = m.end();
            if (nanos.compareTo(BigDecimal.valueOf(MAX.toNanos())) > 0) {
                throw new IllegalArgumentException("'" + text + "' is longer than a year");
            }
        }
        Duration d = Duration.ofNanos(nanos.longValue());
        if (d.isZero()) {
            throw new IllegalArgumentException("'" + text + "' must be more than 0");
        }
        return d;
    }

    /** Writes {@code d} the way {@link #parse} reads it, in the largest unit that is exact: {@code 1500ms}, {@code 5s}, {@code 2m}. */
    public static String format(Duration d) {
        long nanos = d.toNanos();
        if (nanos == 0) {
            return "0s";
        }
        if (nanos % 1_000_000 != 0) {
            return BigDecimal.valueOf(nanos, 6).stripTrailingZeros().toPlainString() + "ms";
        }
        long ms = d.toMillis();
        if (ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }
}
