package dev.grapevine.roles.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.grapevine.Member;
import dev.grapevine.MemberStatus;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The JSON documents: any member round-trips, and no document has a line break (one SSE data line). */
class AdminJsonTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final AdminJson json = new AdminJson();

    @Property(tries = 200)
    void anyMemberRoundTripsOnOneLine(@ForAll @StringLength(min = 1, max = 30) String name,
                                      @ForAll @Size(max = 5) Map<@StringLength(max = 12) String,
                                              @StringLength(max = 20) String> tags,
                                      @ForAll MemberStatus status) throws Exception {
        Member m = new Member(name, new InetSocketAddress("127.0.7.9", 7946), tags, status, 3);
        String text = json.string(g -> AdminJson.member(g, m));
        assertFalse(text.contains("\n") || text.contains("\r"), text);
        JsonNode back = MAPPER.readTree(text);
        assertEquals(name, back.get("name").asText());
        assertEquals("127.0.7.9", back.get("address").asText());
        assertEquals(7946, back.get("port").asInt());
        assertEquals(status.name().toLowerCase(java.util.Locale.ROOT), back.get("status").asText());
        Map<String, String> tagsBack = new HashMap<>();
        back.get("tags").fields().forEachRemaining(f -> tagsBack.put(f.getKey(), f.getValue().asText()));
        assertEquals(tags, tagsBack);
    }

    @Test
    void everyStatusHasItsApiSpelling() {
        assertEquals(List.of("alive", "suspect", "failed", "left"),
                List.of(MemberStatus.values()).stream().map(AdminJson::status).toList());
        for (MemberStatus s : MemberStatus.values()) {
            assertEquals(s, AdminJson.parseStatus(AdminJson.status(s)));
        }
        assertNull(AdminJson.parseStatus("ALIVE"));
        assertNull(AdminJson.parseStatus("dead"));
    }

    @Test
    void anUnresolvedAddressShowsItsHostName() throws Exception {
        Member m = new Member("u", InetSocketAddress.createUnresolved("app1.internal", 7946), Map.of(),
                MemberStatus.SUSPECT, 1);
        JsonNode back = MAPPER.readTree(json.string(g -> AdminJson.member(g, m)));
        assertEquals("app1.internal", back.get("address").asText());
        assertEquals("suspect", back.get("status").asText());
    }

    @Test
    void errorsCarryTheirStatus() throws Exception {
        JsonNode e = MAPPER.readTree(json.bytes(g -> AdminJson.error(g, 404, "no \"such\"\npath")));
        assertEquals("no \"such\"\npath", e.get("error").asText());
        assertEquals(404, e.get("status").asInt());
        assertTrue(e.isObject());
    }
}
