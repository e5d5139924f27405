package dev.grapevine.handlers;

import dev.grapevine.ClusterEvent;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Which events a handler gets, written as Serf writes it: a comma-separated list of {@code member-join},
 * {@code member-leave}, {@code member-failed}, {@code member-update}, {@code member-reap}, {@code user},
 * {@code user:NAME}, {@code query}, {@code query:NAME} or {@code *}; an empty list means {@code *} (every
 * event). An event passes when any item matches it.
 *
 * <p>As in Serf, items are not trimmed ({@code "member-join, user"} is an error: {@code " user"} is not a
 * type), {@code user:} with an empty name matches every user event, and only {@code user} and {@code query}
 * take a name.
 */
public final class EventFilter {

    /** The filter that passes every event. */
    public static final EventFilter ALL = new EventFilter(List.of(new Item(null, null)));

    private final List<Item> items;

    private EventFilter(List<Item> items) {
        this.items = List.copyOf(items);
    }

    /**
     * One item of the list.
     *
     * @param type the event type, or null for {@code *}
     * @param name for {@code user:NAME} and {@code query:NAME}, the event or query name; else null
     */
    public record Item(EventType type, String name) {

        /** True when {@code event} matches this item. */
        public boolean matches(ClusterEvent event) {
            if (type == null) {
                return true;
            }
            if (EventType.of(event) != type) {
                return false;
            }
            if (name == null || name.isEmpty()) {
                return true;
            }
            if (event instanceof ClusterEvent.UserEvent u) {
                return u.name().equals(name);
            }
            return event instanceof ClusterEvent.Query q && q.name().equals(name);
        }

        @Override
        public String toString() {
            return type == null ? "*" : name == null ? type.serfName() : type.serfName() + ":" + name;
        }
    }

    /**
     * Parses a filter list.
     *
     * @throws IllegalArgumentException naming the item at fault and what was expected
     */
    public static EventFilter parse(String filter) {
        Objects.requireNonNull(filter, "filter");
        if (filter.isEmpty()) {
            return ALL;
        }
        List<Item> items = new ArrayList<>();
        // split with -1 keeps empty items ("a,,b", "a,"), which are errors as in Serf.
        for (String item : filter.split(",", -1)) {
            items.add(parseItem(item, filter));
        }
        return new EventFilter(items);
    }

    private static Item parseItem(String item, String filter) {
        if (item.equals("*")) {
            return new Item(null, null);
        }
        for (EventType named : new EventType[]{EventType.USER, EventType.QUERY}) {
            String prefix = named.serfName() + ":";
            if (item.startsWith(prefix)) {
                return new Item(named, item.substring(prefix.length()));
            }
        }
        int colon = item.indexOf(':');
        String type = colon >= 0 ? item.substring(0, colon) : item;
        if (colon >= 0 && EventType.bySerfName(type).isPresent()) {
            throw new IllegalArgumentException("event filter '" + filter + "': '" + item + "': only user and query"
                    + " events take a name (user:NAME, query:NAME), not " + type);
        }
        return new Item(EventType.bySerfName(item).orElseThrow(() -> new IllegalArgumentException(
                "event filter '" + filter + "': unknown event type '" + item + "' (expected " + EXPECTED + ")")),
                null);
    }

    private static final String EXPECTED = "member-join, member-leave, member-failed, member-update, "
            + "member-reap, user, user:NAME, query, query:NAME or *, separated by commas without spaces";

    /** The items, in the order written. */
    public List<Item> items() {
        return items;
    }

    /** True when any item matches {@code event}. */
    public boolean matches(ClusterEvent event) {
        for (Item i : items) {
            if (i.matches(event)) {
                return true;
            }
        }
        return false;
    }

    /** The filter as written in Serf's syntax ({@link #parse} reads it back to an equal filter). */
    @Override
    public String toString() {
        return items.stream().map(Item::toString).collect(Collectors.joining(","));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EventFilter f && f.items.equals(items);
    }

    @Override
    public int hashCode() {
        return items.hashCode();
    }
}
