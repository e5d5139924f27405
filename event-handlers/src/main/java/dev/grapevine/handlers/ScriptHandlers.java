package dev.grapevine.handlers;

import dev.grapevine.GossipNode;

import java.util.List;

/**
 * The command-line entry: Serf-style script handlers from {@code --event-handler SPEC} values, with no Java
 * written. {@code ScriptHandlers.install(node, List.of("member-join=./join.sh", "query:load=uptime"))}.
 */
public final class ScriptHandlers {

    private ScriptHandlers() {
    }

    /**
     * Checks every spec, then runs them for {@code node}'s events from now on, with the default timeout
     * and queue sizes.
     *
     * @return the running handlers; close it to stop them (and kill running scripts)
     * @throws IllegalArgumentException naming the bad spec and its bad part; nothing is installed then
     */
    public static EventDispatcher install(GossipNode node, List<String> specs) {
        return EventDispatcher.builder().scripts(specs).install(node);
    }

    /**
     * Checks every spec without running anything, for a launcher that wants to fail before starting the node.
     *
     * @throws IllegalArgumentException naming the bad spec and its bad part
     */
    public static List<HandlerSpec> parse(List<String> specs) {
        return specs.stream().map(HandlerSpec::parse).toList();
    }
}
