package dev.grapevine.handlers.template;

import dev.grapevine.Member;
import dev.grapevine.MemberStatus;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static dev.grapevine.handlers.template.Members.front;
import static dev.grapevine.handlers.template.Members.member;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TemplateRendererTest {

    private static final Member SELF = member("proxy", 1, MemberStatus.ALIVE, "role", "proxy");

    private static String render(String template, List<Member> members, Map<String, String> params) {
        return TemplateRenderer.compile("test.tmpl", template).render(MembershipModel.of(members, SELF, params));
    }

    private static List<Member> mixed() {
        return List.of(
                front("web-c", 4, 18080),
                front("web-a", 2, 18080),
                member("web-b", 3, MemberStatus.ALIVE, "role", "front", "http.port", "18081", "health", "critical"),
                member("web-d", 5, MemberStatus.FAILED, "role", "front", "http.port", "18080"),
                member("web-e", 6, MemberStatus.SUSPECT, "role", "front", "http.port", "18082"),
                member("web-f", 7, MemberStatus.ALIVE, "role", "front"),
                member("web-g", 8, MemberStatus.ALIVE, "role", "front", "http.port", "99999"),
                member("app-1", 9, MemberStatus.ALIVE, "role", "app", "http.port", "19000"),
                member("web-h", 10, MemberStatus.LEFT, "role", "front", "http.port", "18080"),
                SELF);
    }

    @Test
    void nginxUpstreamListsServingMembersByNameWithTheirPort() {
        String out = TemplateRenderer.load(TemplateSpec.NGINX_UPSTREAM)
                .render(MembershipModel.of(mixed(), SELF, Map.of()));
        assertEquals("""
                # Rendered by Grapevine from the members with role=front; do not edit, it is rewritten on every change.
                upstream front {
                    server 127.0.9.2:18080; # web-a
                    server 127.0.9.4:18080; # web-c
                    server 127.0.9.6:18082; # web-e
                }
                """, out);
    }

    @Test
    void nginxUpstreamTakesRoleServiceAndNameFromParams() {
        String out = TemplateRenderer.load(TemplateSpec.NGINX_UPSTREAM).render(MembershipModel.of(mixed(), SELF,
                Map.of("role", "app", "upstream", "backend_pool")));
        assertTrue(out.contains("upstream backend_pool {\n    server 127.0.9.9:19000; # app-1\n}\n"), out);
    }

    @Test
    void nginxUpstreamWithNoMemberHasAPlaceholderMarkedDown() {
        String out = TemplateRenderer.load(TemplateSpec.NGINX_UPSTREAM)
                .render(MembershipModel.of(List.of(SELF), SELF, Map.of()));
        assertTrue(out.contains("upstream front {\n"), out);
        assertTrue(out.contains("\n    server 127.0.0.1:1 down;\n}\n"), out);
        assertEquals(1, out.lines().filter(l -> l.strip().startsWith("server ")).count(), out);
    }

    @Test
    void haproxyBackendNamesEachServer() {
        String out = TemplateRenderer.load(TemplateSpec.HAPROXY_BACKEND)
                .render(MembershipModel.of(mixed(), SELF, Map.of("backend", "web", "balance", "leastconn")));
        assertEquals("""
                # Rendered by Grapevine from the members with role=front; do not edit, it is rewritten on every change.
                backend web
                    balance leastconn
                    server web-a 127.0.9.2:18080 check
                    server web-c 127.0.9.4:18080 check
                    server web-e 127.0.9.6:18082 check
                """, out);
    }

    @Test
    void outputDoesNotDependOnTheOrderOfMembersNorOnIncarnations() {
        String expected = TemplateRenderer.load(TemplateSpec.HAPROXY_BACKEND)
                .render(MembershipModel.of(mixed(), SELF, Map.of()));
        Random random = new Random(7);
        for (int i = 0; i < 20; i++) {
            List<Member> shuffled = new ArrayList<>();
            for (Member m : mixed()) {
                shuffled.add(new Member(m.name(), m.address(), m.tags(), m.status(), random.nextInt(1000)));
            }
            Collections.shuffle(shuffled, random);
            assertEquals(expected, TemplateRenderer.load(TemplateSpec.HAPROXY_BACKEND)
                    .render(MembershipModel.of(shuffled, SELF, Map.of())));
        }
    }

    @Test
    void modelGroupsByRoleAndExposesMembersSelfAndHelpers() {
        String template = """
                <#list roles as role, ms>${role}=<#list ms as m>${m.name}<#sep>,</#list>;</#list>
                live=${live?size} all=${members?size}
                self=${self.name} ${self.role} ${self.local} ${self.address}:${self.gossipPort}
                <#list service("front") as m>${m.name}:${m.status}:${m.healthy}<#sep> </#list>
                <#list service("front", "http") as m>${m.name}<#sep> </#list>
                <#list members?filter(m -> !m.healthy) as m>${m.name}=${m.tags.health}</#list>
                <#list members?sort_by("address")?reverse as m><#if m?index < 2>${m.name} </#if></#list>
                ${roles.front[0].ports.http} ${roles.front[0].endpoints.http} ${roles.front[0].up}
                """;
        assertEquals("""
                app=app-1;front=web-a,web-b,web-c,web-e,web-f,web-g;proxy=proxy;
                live=8 all=10
                self=proxy proxy true 127.0.9.1:7946
                web-a:alive:true web-c:alive:true web-e:suspect:true web-f:alive:true web-g:alive:true
                web-a web-c web-e
                web-b=critical
                app-1 web-g\s
                18080 127.0.9.2:18080 true
                """, render(template, mixed(), Map.of()));
    }

    @Test
    void selfIsAddedWhenTheMemberListLacksIt() {
        assertEquals("proxy:true", render("<#list members as m>${m.name}:${m.local}</#list>", List.of(), Map.of()));
    }

    @Test
    void ipv6EndpointsAreBracketed() {
        Member v6 = new Member("v6", new java.net.InetSocketAddress("::1", 7946),
                Map.of("role", "front", "http.port", "8080"), MemberStatus.ALIVE, 1);
        assertEquals("[0:0:0:0:0:0:0:1]:8080",
                render("<#list service(\"front\") as m>${m.endpoints.http}</#list>", List.of(v6), Map.of()));
    }

    @Test
    void aTemplateThatDoesNotParseFailsWithItsLine() {
        TemplateRenderException e = assertThrows(TemplateRenderException.class, () ->
                TemplateRenderer.compile("bad.tmpl", "upstream x {\n<#list live as m>\n  server ${m.address};\n}\n"));
        assertEquals("bad.tmpl", e.templateName());
        assertTrue(e.line() >= 2, "line " + e.line());
        assertTrue(e.getMessage().startsWith("template bad.tmpl line " + e.line()), e.getMessage());
        assertTrue(e.getMessage().contains("#list"), e.getMessage());
    }

    @Test
    void aMissingValueFailsAtRenderWithItsLineAndColumn() {
        TemplateRenderer r = TemplateRenderer.compile("zone.tmpl", "a\nb\n  zone ${self.tags.zone}\n");
        TemplateRenderException e = assertThrows(TemplateRenderException.class,
                () -> r.render(MembershipModel.of(List.of(), SELF, Map.of())));
        assertEquals(3, e.line());
        assertEquals(10, e.column());
        assertTrue(e.getMessage().contains("self.tags.zone"), e.getMessage());
    }

    @Test
    void serviceNeedsOneOrTwoStrings() {
        TemplateRenderer r = TemplateRenderer.compile("svc.tmpl", "${service()?size}");
        TemplateRenderException e = assertThrows(TemplateRenderException.class,
                () -> r.render(MembershipModel.of(List.of(), SELF, Map.of())));
        assertTrue(e.getMessage().contains("service(role)"), e.getMessage());
    }

    @Test
    void templatesCannotReachJavaClassesFilesOrMethods() {
        List<String> attempts = List.of(
                "${\"freemarker.template.utility.Execute\"?new()(\"id\")}",
                "${self?api.getClass()}",
                "<#include \"/etc/hostname\">",
                "${members?api.size()}");
        for (String attempt : attempts) {
            assertThrows(TemplateRenderException.class, () -> render(attempt, List.of(), Map.of()), attempt);
        }
    }

    @Test
    void aMissingSourceIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TemplateRenderer.load("classpath:templates/none.tmpl"));
        assertTrue(e.getMessage().contains("classpath:templates/none.tmpl"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TemplateRenderer.load("/nonexistent/x.tmpl"));
        assertTrue(e.getMessage().contains("/nonexistent/x.tmpl"), e.getMessage());
    }
}
