package dev.grapevine.handlers.template;

import dev.grapevine.roles.Durations;

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
     * Parses {@code MIN[:MAX]} as the {@code --template-wait} flag takes it, each a duration read by
     * {@link Durations#parseNonNegative} ({@code 500ms}, {@code 2s}, {@code 1m30s}, {@code 1h}; {@code 0} is
     * zero). Without {@code MAX}, it is four times {@code MIN}, as in consul-template.
     *
     * @throws IllegalArgumentException naming the flag and the part that is wrong
     */
    public static TemplateWait parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("--template-wait: empty, expected MIN[:MAX] such as 2s:10s");
        }
        int colon = text.indexOf(':');
        try {
            Duration min = Durations.parseNonNegative(colon < 0 ? text : text.substring(0, colon));
            Duration max = colon < 0 ? min.multipliedBy(4) : Durations.parseNonNegative(text.substring(colon + 1));
            return new TemplateWait(min, max);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--template-wait " + text + ": " + e.getMessage(), e);
        }
    }
}
