package dev.grapevine.roles;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as people write them on command lines, in Go's notation: {@code 500ms}, {@code 5s}, {@code 1.5s},
 * {@code 2m}, {@code 1h30m}; units {@code ns}, {@code us} (or {@code µs}), {@code ms}, {@code s}, {@code m},
 * {@code h}.
 */
public final class Durations {

    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h)");
    private static final Duration MAX = Duration.ofDays(365);

    private Durations() {
    }

    /**
     * Parses one or more number-and-unit parts, summed; the result must be positive and at most a year.
     *
     * @throws IllegalArgumentException saying what is wrong with {@code text}
     */
    public static Duration parse(String text) {
        Duration d = parseNonNegative(text);
        if (d.isZero()) {
            throw new IllegalArgumentException("'" + text + "' must be more than 0");
        }
        return d;
    }

    /**
     * Like {@link #parse} but zero is allowed, written with a unit ({@code 0s}, {@code 0ms}) or as a bare
     * {@code 0}, as in Go; the result is zero to a year.
     *
     * @throws IllegalArgumentException saying what is wrong with {@code text}
     */
    public static Duration parseNonNegative(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("duration is empty");
        }
        String s = text.trim();
        if (s.equals("0")) {
            return Duration.ZERO;
        }
        Matcher m = PART.matcher(s);
        BigDecimal nanos = BigDecimal.ZERO;
        int at = 0;
        while (at < s.length()) {
            if (!m.find(at) || m.start() != at) {
                throw new IllegalArgumentException("'" + text + "' is not a duration such as 500ms, 5s, 2m or 1h30m");
            }
            nanos = nanos.add(new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unitNanos(m.group(2)))));
            at = m.end();
            if (nanos.compareTo(BigDecimal.valueOf(MAX.toNanos())) > 0) {
                throw new IllegalArgumentException("'" + text + "' is longer than a year");
            }
        }
        return Duration.ofNanos(nanos.longValue());
    }

    private static long unitNanos(String unit) {
        return switch (unit) {
            case "ns" -> 1L;
            case "us", "µs" -> 1_000L;
            case "ms" -> 1_000_000L;
            case "s" -> 1_000_000_000L;
            case "m" -> 60_000_000_000L;
            default -> 3_600_000_000_000L;
        };
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
