package dev.grapevine.handlers;

import dev.grapevine.ClusterEvent;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The filter parser against a model of Serf's rules, on generated filters, events and junk. */
class EventFilterProperties {

    private static final List<String> TYPES = List.of("member-join", "member-leave", "member-failed",
            "member-update", "member-reap", "user", "query", "*");

    /** One item as Serf reads it: {@code type} and, for user:/query:, a name (possibly empty). */
    record Item(String type, String name) {
        String text() {
            return name == null ? type : type + ":" + name;
        }

        /** The model: Serf's EventFilter.Invoke. */
        boolean matches(ClusterEvent e) {
            if (type.equals("*")) {
                return true;
            }
            if (!EventType.of(e).serfName().equals(type)) {
                return false;
            }
            if (name == null || name.isEmpty()) {
                return true;
            }
            return e instanceof ClusterEvent.UserEvent u ? u.name().equals(name)
                    : ((ClusterEvent.Query) e).name().equals(name);
        }
    }

    Arbitrary<Item> items() {
        Arbitrary<String> names = Arbitraries.of("deploy", "load", "", "a:b", "x y");
        Arbitrary<Item> plain = Arbitraries.of(TYPES).map(t -> new Item(t, null));
        Arbitrary<Item> named = Combinators.combine(Arbitraries.of("user", "query"), names).as(Item::new);
        return Arbitraries.oneOf(plain, named);
    }

    @Provide
    Arbitrary<List<Item>> itemLists() {
        return items().list().ofMinSize(1).ofMaxSize(5);
    }

    @Provide
    Arbitrary<ClusterEvent> events() {
        Arbitrary<String> names = Arbitraries.of("deploy", "load", "a:b", "other");
        return Arbitraries.oneOf(
                Arbitraries.of(Events.joined("a"), Events.left("b"),
                        new ClusterEvent.MemberFailed(Events.member("c")),
                        new ClusterEvent.MemberUpdated(Events.member("d")),
                        new ClusterEvent.MemberReaped(Events.member("e"))),
                names.map(n -> Events.user(n, "p", 1)),
                names.map(n -> Events.query(n, "p", 1)));
    }

    @Property(tries = 300)
    void parsesToTheModelAndPrintsBack(@ForAll("itemLists") List<Item> items, @ForAll("events") ClusterEvent event) {
        String text = String.join(",", items.stream().map(Item::text).toList());
        EventFilter f = EventFilter.parse(text);
        assertEquals(items.size(), f.items().size());
        assertEquals(text, f.toString());
        assertEquals(f, EventFilter.parse(f.toString()));
        assertEquals(items.stream().anyMatch(i -> i.matches(event)), f.matches(event), text + " on " + event);
    }

    @Property(tries = 300)
    void aHandlerSpecSplitsAtTheFirstEquals(@ForAll("itemLists") List<Item> items,
                                           @ForAll("commands") String command) {
        String filter = String.join(",", items.stream().map(Item::text).toList());
        HandlerSpec s = HandlerSpec.parse(filter + "=" + command);
        assertEquals(command, s.command());
        assertEquals(filter, s.filter().toString());
        assertEquals(s, HandlerSpec.parse(s.toString()));
    }

    @Provide
    Arbitrary<String> commands() {
        return Arbitraries.strings().withChars("abc/.=-_ $\"'").ofMinLength(1).ofMaxLength(30)
                .filter(c -> !c.isBlank());
    }

    @Property(tries = 300)
    void junkFailsOnlyWithAMessage(@ForAll String junk) {
        try {
            HandlerSpec s = HandlerSpec.parse(junk);
            // Accepted: then it has a command and reads back the same.
            assertTrue(!s.command().isBlank());
            assertEquals(s, HandlerSpec.parse(s.toString()));
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage() != null && e.getMessage().startsWith("event "), e.getMessage());
        }
    }
}
