package dev.grapevine.handlers;

import dev.grapevine.handlers.template.TemplateSpec;
import dev.grapevine.handlers.template.TemplateWait;
import dev.grapevine.handlers.template.TemplateWatcher;
import dev.grapevine.roles.Flag;
import dev.grapevine.roles.Launch;
import dev.grapevine.roles.LaunchOptions;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The event-handler flags any Grapevine process can take, for the shared launcher: Serf's
 * {@code --event-handler} and consul-template's {@code --template} / {@code --template-wait}, plus
 * {@code --template-param} for the shipped templates' parameters. A role server adds {@link #FLAGS} to its own
 * and calls {@link #start(Launch)} once launched; {@link Agent} is a process with nothing else.
 *
 * <p>Environment variables take several values separated by {@code ;} (commas belong to the filter syntax).
 */
public final class HandlerFlags {

    /** {@code --event-handler [FILTER=]COMMAND}: a script run on events, Serf's syntax; repeatable. */
    public static final Flag<HandlerSpec> EVENT_HANDLER = Flag.value("event-handler", "[FILTER=]COMMAND",
                    "run COMMAND through /bin/sh on events, Serf's syntax (e.g. member-join,user:deploy=x.sh)",
                    HandlerSpec::parse)
            .env("GRAPEVINE_EVENT_HANDLERS").repeatable(";");

    /** {@code --template SRC:DEST[:COMMAND]}: a file kept rendered from the membership; repeatable. */
    public static final Flag<TemplateSpec> TEMPLATE = Flag.value("template", "SRC:DEST[:COMMAND]",
                    "render SRC (a file or classpath:templates/...) to DEST on membership changes, then run COMMAND",
                    TemplateSpec::parse)
            .env("GRAPEVINE_TEMPLATES").repeatable(";");

    /** {@code --template-wait MIN[:MAX]}: quiet period before a render, capped by MAX after the first change. */
    public static final Flag<TemplateWait> TEMPLATE_WAIT = Flag.value("template-wait", "MIN[:MAX]",
                    "wait for MIN of quiet (at most MAX) before rendering; default 2s:10s", TemplateWait::parse)
            .env("GRAPEVINE_TEMPLATE_WAIT");

    /** {@code --template-param KEY=VALUE}: a parameter every template sees as {@code params.KEY}; repeatable. */
    public static final Flag<Map.Entry<String, String>> TEMPLATE_PARAM = Flag.value("template-param", "KEY=VALUE",
                    "a template parameter, params.KEY (the shipped templates take role, service, upstream...)",
                    text -> {
                        int eq = text.indexOf('=');
                        if (eq <= 0) {
                            throw new IllegalArgumentException("'" + text + "' must be KEY=VALUE");
                        }
                        return Map.entry(text.substring(0, eq), text.substring(eq + 1));
                    })
            .env("GRAPEVINE_TEMPLATE_PARAMS").repeatable(";");

    /** Every flag above, to add to a role server's own. */
    public static final List<Flag<?>> FLAGS = List.of(EVENT_HANDLER, TEMPLATE, TEMPLATE_WAIT, TEMPLATE_PARAM);

    private HandlerFlags() {
    }

    /**
     * Starts what the flags ask for on the launched node (script handlers, template watchers) and registers
     * each with the launch, so they stop with it; and reloads them with the launch's configuration
     * ({@link Launch#reload()}, SIGHUP): script handlers as {@link EventDispatcher#updateScripts} does, and every
     * template read, parsed and rendered again (its file rewritten and its command run only when the output
     * changed). A template that no longer loads is reported and its running watcher kept; a removed one stops.
     *
     * @throws IllegalArgumentException when a template cannot be read, parsed or first written, naming it
     */
    public static void start(Launch launch) {
        LaunchOptions o = launch.options();
        EventDispatcher.Builder b = EventDispatcher.builder();
        o.all(EVENT_HANDLER).forEach(b::script);
        EventDispatcher dispatcher = launch.register(b.install(launch.node()));
        Templates templates = launch.register(new Templates());
        for (TemplateSpec t : templates(o)) {
            templates.put(watch(launch, t, templateWait(o)));
        }
        launch.onReload((previous, next) -> {
            dispatcher.updateScripts(next.all(EVENT_HANDLER));
            templates.reload(launch, next);
        });
    }

    /**
     * The running template watchers by destination, closed with the launch as one (so reloads do not pile
     * watchers up in it). Reloads come one at a time; the close may come from another thread.
     */
    private static final class Templates implements AutoCloseable {
        private final Map<Path, TemplateWatcher> watchers = new LinkedHashMap<>();
        private boolean closed;

        synchronized void put(TemplateWatcher w) {
            watchers.put(w.spec().destination(), w);
        }

        /** Every template of {@code next} loaded anew; one that fails keeps its running watcher. */
        synchronized void reload(Launch launch, LaunchOptions next) {
            if (closed) {
                return;
            }
            List<String> failed = new ArrayList<>();
            Map<Path, TemplateWatcher> kept = new LinkedHashMap<>();
            for (TemplateSpec t : templates(next)) {
                TemplateWatcher old = watchers.remove(t.destination());
                try {
                    TemplateWatcher w = watch(launch, t, templateWait(next));
                    if (old != null) {
                        old.close();
                    }
                    kept.put(t.destination(), w);
                } catch (IllegalArgumentException e) {
                    failed.add(e.getMessage() + (old != null ? " (the running one is kept)" : ""));
                    if (old != null) {
                        kept.put(t.destination(), old);
                    }
                }
            }
            watchers.values().forEach(TemplateWatcher::close); // templates no longer configured
            watchers.clear();
            watchers.putAll(kept);
            if (!failed.isEmpty()) {
                throw new IllegalArgumentException(String.join("; ", failed));
            }
        }

        @Override
        public synchronized void close() {
            closed = true;
            watchers.values().forEach(TemplateWatcher::close);
            watchers.clear();
        }
    }

    private static TemplateWait templateWait(LaunchOptions o) {
        return o.get(TEMPLATE_WAIT).orElse(TemplateWait.DEFAULT);
    }

    private static List<TemplateSpec> templates(LaunchOptions o) {
        List<TemplateSpec> templates = new ArrayList<>();
        for (TemplateSpec t : o.all(TEMPLATE)) {
            for (Map.Entry<String, String> p : o.all(TEMPLATE_PARAM)) {
                t = t.withParam(p.getKey(), p.getValue());
            }
            templates.add(t);
        }
        return templates;
    }

    private static TemplateWatcher watch(Launch launch, TemplateSpec t, TemplateWait wait) {
        try {
            return TemplateWatcher.builder(t).node(launch.node()).wait(wait).start();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("--template " + t.source() + " -> " + t.destination() + ": "
                    + e.getMessage(), e);
        }
    }
}
