package dev.grapevine.handlers.template;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.Objects;

/**
 * How long to let a burst of membership changes settle before rendering: act once no change came for
 * {@code min}, and at the latest {@code max} after the first change (consul-template's {@code wait}).
 *
 * @param min the quiet period; zero renders at once
 * @param max the longest wait after the first change of a burst; at least {@code min}
 */
public record TemplateWait(Duration min, Duration max) {

    /** No waiting: every change renders at once. */
    public static final TemplateWait NONE = new TemplateWait(Duration.ZERO, Duration.ZERO);

    /** The default: 2 s of quiet, 10 s at most, so a burst of joins or failures causes one reload. */
    public static final TemplateWait DEFAULT = new TemplateWait(Duration.ofSeconds(2), Duration.ofSeconds(10));

    /** Checks {@code 0 <= min <= max}. */
    public TemplateWait {
        Objects.requireNonNull(min, "template wait min");
        Objects.requireNonNull(max, "template wait max");
        if (min.isNegative()) {
            throw new IllegalArgumentException("template wait min must not be negative, was " + min);
        }
        if (max.compareTo(min) < 0) {
            throw new IllegalArgumentException("template wait max (" + max + ") must be at least min (" + min + ")");
        }
    }

    /**
     * Parses {@code MIN[:MAX]} as the {@code --template-wait} flag takes it, durations in Go's notation
     * ({@code 500ms}, {@code 2s}, {@code 1m30s}, {@code 1h}; a bare {@code 0} is zero). Without {@code MAX},
     * it is four times {@code MIN}, as in consul-template.
     *
     * @throws IllegalArgumentException naming the flag and the part that is wrong
     */
    public static TemplateWait parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("--template-wait: empty, expected MIN[:MAX] such as 2s:10s");
        }
        int colon = text.indexOf(':');
        Duration min = duration(colon < 0 ? text : text.substring(0, colon));
        Duration max = colon < 0 ? min.multipliedBy(4) : duration(text.substring(colon + 1));
        try {
            return new TemplateWait(min, max);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--template-wait " + text + ": " + e.getMessage(), e);
        }
    }

    /**
     * Parses a duration in Go's notation: one or more {@code <number><unit>} with units {@code ns}, {@code us},
     * {@code ms}, {@code s}, {@code m}, {@code h}; numbers may have a fraction ({@code 1.5s}).
     *
     * @throws IllegalArgumentException saying what is wrong
     */
    public static Duration duration(String text) {
        String s = text.strip();
        if (s.equals("0")) {
            return Duration.ZERO;
        }
        if (s.isEmpty()) {
            throw new IllegalArgumentException("--template-wait: empty duration, expected e.g. 2s or 500ms");
        }
        BigDecimal nanos = BigDecimal.ZERO;
        int i = 0;
        while (i < s.length()) {
            int start = i;
            while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
                i++;
            }
            int unitStart = i;
            while (i < s.length() && Character.isLetter(s.charAt(i))) {
                i++;
            }
            String number = s.substring(start, unitStart);
            String unit = s.substring(unitStart, i);
            if (number.isEmpty() || unit.isEmpty()) {
                throw new IllegalArgumentException("--template-wait: '" + text
                        + "' is not a duration, expected e.g. 2s, 500ms or 1m30s");
            }
            BigDecimal value;
            try {
                value = new BigDecimal(number);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--template-wait: '" + number + "' in '" + text
                        + "' is not a number", e);
            }
            nanos = nanos.add(value.multiply(BigDecimal.valueOf(unitNanos(unit, text))));
        }
        try {
            return Duration.ofNanos(nanos.setScale(0, RoundingMode.DOWN).longValueExact());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("--template-wait: '" + text + "' is too long", e);
        }
    }

    private static long unitNanos(String unit, String text) {
        return switch (unit) {
            case "ns" -> 1L;
            case "us", "µs" -> 1_000L;
            case "ms" -> 1_000_000L;
            case "s" -> 1_000_000_000L;
            case "m" -> 60_000_000_000L;
            case "h" -> 3_600_000_000_000L;
            default -> throw new IllegalArgumentException("--template-wait: unknown unit '" + unit + "' in '" + text
                    + "', expected ns, us, ms, s, m or h");
        };
    }
}
