package dev.grapevine.handlers.template;

/**
 * A template that cannot be parsed or rendered, with where in the template it went wrong.
 */
public final class TemplateRenderException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String templateName;
    private final int line;
    private final int column;

    /**
     * @param templateName the template's name (its source)
     * @param line         1-based line of the error, or 0 when unknown
     * @param column       1-based column of the error, or 0 when unknown
     * @param problem      what is wrong
     * @param cause        the engine's exception
     */
    public TemplateRenderException(String templateName, int line, int column, String problem, Throwable cause) {
        super("template " + templateName + (line > 0 ? " line " + line + (column > 0 ? ", column " + column : "")
                : "") + ": " + problem, cause);
        this.templateName = templateName;
        this.line = line;
        this.column = column;
    }

    /** The template's name (its source). */
    public String templateName() {
        return templateName;
    }

    /** The 1-based line of the error, or 0 when unknown. */
    public int line() {
        return line;
    }

    /** The 1-based column of the error, or 0 when unknown. */
    public int column() {
        return column;
    }
}
