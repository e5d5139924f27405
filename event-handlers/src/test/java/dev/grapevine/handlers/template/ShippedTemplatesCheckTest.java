package dev.grapevine.handlers.template;

import dev.grapevine.Member;
import dev.grapevine.MemberStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.grapevine.handlers.template.Members.front;
import static dev.grapevine.handlers.template.Members.member;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The shipped templates' output is accepted by the real servers' configuration checks ({@code nginx -t},
 * {@code haproxy -c}), with members and with none. Each test is skipped when its server is not installed.
 */
class ShippedTemplatesCheckTest {

    private static final Member SELF = member("lb", 1, MemberStatus.ALIVE, "role", "proxy");
    private static final List<Member> SOME = List.of(SELF, front("web-a", 2, 18080), front("web-b", 3, 18081));
    private static final List<Member> NONE = List.of(SELF);

    @TempDir
    Path dir;

    private static String render(String source, List<Member> members) {
        return TemplateRenderer.load(source).render(MembershipModel.of(members, SELF, Map.of()));
    }

    private int nginxCheck(Path nginx, String upstream) throws Exception {
        Files.writeString(dir.resolve("upstream.conf"), upstream);
        Files.writeString(dir.resolve("nginx.conf"), """
                pid %1$s/nginx.pid;
                error_log %1$s/error.log;
                events { }
                http {
                    access_log off;
                    include %1$s/upstream.conf;
                    server { listen 127.0.9.1:18091; location / { proxy_pass http://front; } }
                }
                """.formatted(dir));
        return Tools.run(dir.resolve("nginx.out"), nginx.toString(), "-t", "-e", dir.resolve("error.log").toString(),
                "-p", dir + "/", "-c", dir.resolve("nginx.conf").toString());
    }

    private int haproxyCheck(Path haproxy, String backend) throws Exception {
        Files.writeString(dir.resolve("haproxy.cfg"), """
                defaults
                    mode http
                    timeout connect 5s
                    timeout client 30s
                    timeout server 30s
                frontend www
                    bind 127.0.9.1:18092
                    default_backend front
                """ + backend);
        return Tools.run(dir.resolve("haproxy.out"), haproxy.toString(), "-c", "-f", dir.resolve("haproxy.cfg").toString());
    }

    @Test
    void nginxAcceptsTheUpstreamWithMembersAndWithNone() throws Exception {
        Path nginx = Tools.find("nginx").orElse(null);
        assumeTrue(nginx != null, "nginx is not installed: check of the rendered upstream skipped");
        assertEquals(0, nginxCheck(nginx, render(TemplateSpec.NGINX_UPSTREAM, SOME)), () -> output("nginx.out"));
        assertEquals(0, nginxCheck(nginx, render(TemplateSpec.NGINX_UPSTREAM, NONE)), () -> output("nginx.out"));
        // The check can fail: an upstream with no server at all is refused.
        assertNotEquals(0, nginxCheck(nginx, "upstream front {\n}\n"));
    }

    @Test
    void haproxyAcceptsTheBackendWithMembersAndWithNone() throws Exception {
        Path haproxy = Tools.find("haproxy").orElse(null);
        assumeTrue(haproxy != null, "haproxy is not installed: check of the rendered backend skipped");
        assertEquals(0, haproxyCheck(haproxy, render(TemplateSpec.HAPROXY_BACKEND, SOME)), () -> output("haproxy.out"));
        assertEquals(0, haproxyCheck(haproxy, render(TemplateSpec.HAPROXY_BACKEND, NONE)), () -> output("haproxy.out"));
        // The check can fail: two servers with one name are refused.
        assertNotEquals(0, haproxyCheck(haproxy, "backend front\n    server a 127.0.9.2:1\n    server a 127.0.9.3:1\n"));
    }

    private String output(String file) {
        try {
            return Files.readString(dir.resolve(file));
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }
}
