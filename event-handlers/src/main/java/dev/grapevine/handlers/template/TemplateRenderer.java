package dev.grapevine.handlers.template;

import freemarker.core.ParseException;
import freemarker.template.Configuration;
import freemarker.template.Template;
import freemarker.template.TemplateException;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * One compiled template: parsed once, rendered any number of times from a {@link MembershipModel}.
 * Thread-safe (a compiled FreeMarker template may be rendered by several threads at once).
 *
 * <pre>{@code
 * TemplateRenderer r = TemplateRenderer.load("classpath:templates/nginx-upstream.conf.tmpl");
 * String conf = r.render(MembershipModel.of(node.members(), node.localMember(), Map.of("role", "front")));
 * }</pre>
 */
public final class TemplateRenderer {

    /** The prefix of a template source read from the class path rather than the file system. */
    public static final String CLASSPATH_PREFIX = "classpath:";

    private final String name;
    private final Template template;

    private TemplateRenderer(String name, Template template) {
        this.name = name;
        this.template = template;
    }

    /**
     * Compiles {@code text}.
     *
     * @param name the template's name, used in error messages
     * @param text the template (FreeMarker syntax)
     * @return the compiled template
     * @throws TemplateRenderException when the template does not parse, with the line and column
     */
    public static TemplateRenderer compile(String name, String text) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(text, "text");
        Configuration cfg = TemplateEngine.configuration();
        try {
            return new TemplateRenderer(name, new Template(name, new StringReader(text), cfg));
        } catch (ParseException e) {
            throw new TemplateRenderException(name, e.getLineNumber(), e.getColumnNumber(), e.getEditorMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("template " + name + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads and compiles the template at {@code source}: {@code classpath:NAME} for a resource on the class
     * path (the shipped ones are {@code classpath:templates/nginx-upstream.conf.tmpl} and
     * {@code classpath:templates/haproxy-backend.cfg.tmpl}), anything else for a file.
     *
     * @throws IllegalArgumentException when there is no such resource or file
     * @throws TemplateRenderException  when the template does not parse
     */
    public static TemplateRenderer load(String source) {
        return compile(source, read(source));
    }

    /** The text of the template at {@code source} (see {@link #load}). */
    static String read(String source) {
        Objects.requireNonNull(source, "source");
        if (source.startsWith(CLASSPATH_PREFIX)) {
            String resource = source.substring(CLASSPATH_PREFIX.length());
            while (resource.startsWith("/")) {
                resource = resource.substring(1);
            }
            try (InputStream in = TemplateRenderer.class.getClassLoader().getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalArgumentException("template source " + source + ": no such class path resource");
                }
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException("template source " + source + ": " + e.getMessage(), e);
            }
        }
        try {
            return Files.readString(Path.of(source), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("template source " + source + ": no such file", e);
        } catch (IOException e) {
            throw new IllegalArgumentException("template source " + source + ": cannot read: " + e, e);
        }
    }

    /** The template's name (its source). */
    public String name() {
        return name;
    }

    /**
     * Renders the template.
     *
     * @throws TemplateRenderException when rendering fails (say a missing value), with the line and column
     */
    public String render(MembershipModel model) {
        StringWriter out = new StringWriter();
        try {
            template.process(model.root(), out);
        } catch (TemplateException e) {
            // FreeMarker's message, without the tips it appends after "----" lines (the cause keeps them).
            String message = e.getMessageWithoutStackTop();
            int tips = message.indexOf("\n----");
            throw new TemplateRenderException(name, orZero(e.getLineNumber()), orZero(e.getColumnNumber()),
                    (tips < 0 ? message : message.substring(0, tips)).strip(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("template " + name + ": " + e.getMessage(), e);
        }
        return out.toString();
    }

    private static int orZero(Integer i) {
        return i == null ? 0 : i;
    }

    @Override
    public String toString() {
        return "TemplateRenderer[" + name + "]";
    }
}
