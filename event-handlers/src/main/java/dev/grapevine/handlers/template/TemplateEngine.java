package dev.grapevine.handlers.template;

import freemarker.core.TemplateClassResolver;
import freemarker.template.Configuration;
import freemarker.template.SimpleObjectWrapper;
import freemarker.template.TemplateExceptionHandler;
import freemarker.template.Version;

import java.util.Locale;
import java.util.TimeZone;

/** FreeMarker set up for configuration files, and locked down: see the README's "Templates" section. */
final class TemplateEngine {

    /** The FreeMarker behaviour level the templates are written against. */
    static final Version VERSION = Configuration.VERSION_2_3_34;

    /**
     * Exposes only strings, numbers, booleans, maps, lists and our own method models: any other Java object
     * is refused, so a template can call no Java method. Write-protected, so it is a constant.
     */
    static final SimpleObjectWrapper WRAPPER = wrapper();

    private TemplateEngine() {
    }

    private static SimpleObjectWrapper wrapper() {
        SimpleObjectWrapper w = new SimpleObjectWrapper(VERSION);
        w.writeProtect();
        return w;
    }

    /** A new configuration: no template loader (no include/import), no ?new, no ?api, plain number output. */
    static Configuration configuration() {
        Configuration cfg = new Configuration(VERSION);
        cfg.setObjectWrapper(WRAPPER);
        cfg.setTemplateLoader(null);
        cfg.setNewBuiltinClassResolver(TemplateClassResolver.ALLOWS_NOTHING_RESOLVER);
        cfg.setAPIBuiltinEnabled(false);
        cfg.setTemplateExceptionHandler(TemplateExceptionHandler.RETHROW_HANDLER);
        cfg.setLogTemplateExceptions(false);
        cfg.setAttemptExceptionReporter((e, env) -> { });
        cfg.setWrapUncheckedExceptions(true);
        cfg.setFallbackOnNullLoopVariable(false);
        // Ports print as 8080, not 8,080; booleans as true/false; nothing depends on the machine's locale.
        cfg.setLocale(Locale.ROOT);
        cfg.setTimeZone(TimeZone.getTimeZone("UTC"));
        cfg.setNumberFormat("c");
        cfg.setBooleanFormat("c");
        cfg.setDefaultEncoding("UTF-8");
        cfg.setOutputEncoding("UTF-8");
        return cfg;
    }
}
