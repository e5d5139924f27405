package dev.grapevine.handlers.template;

import dev.grapevine.HostPort;
import dev.grapevine.Member;
import dev.grapevine.roles.Roles;
import freemarker.template.SimpleSequence;
import freemarker.template.TemplateMethodModelEx;
import freemarker.template.TemplateModelException;
import freemarker.template.TemplateScalarModel;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.TreeMap;

/**
 * What a template sees: the membership as one node knows it, turned into plain maps, lists, strings, numbers
 * and booleans (no Java object reaches the template, so templates can call no Java method).
 *
 * <p>Everything is sorted (members by name, roles, tags and ports by key), and a member carries only what
 * matters to a configuration file (no incarnation number), so the same membership always renders the same
 * bytes and a file changes only when the membership really changes.
 *
 * <table>
 *   <caption>Top-level names</caption>
 *   <tr><th>name</th><th>what</th></tr>
 *   <tr><td>{@code members}</td><td>every known member, whatever its status</td></tr>
 *   <tr><td>{@code live}</td><td>the members that are up (alive or suspect)</td></tr>
 *   <tr><td>{@code roles}</td><td>role name to the live members with that role tag, healthy or not; a member
 *       with no role tag is in none</td></tr>
 *   <tr><td>{@code service(role)}</td><td>the members that serve {@code role}: up, with that role tag,
 *       healthy ({@link Roles#serves})</td></tr>
 *   <tr><td>{@code service(role, port)}</td><td>those of them that also have a valid {@code <port>.port}
 *       tag</td></tr>
 *   <tr><td>{@code self}</td><td>the node that renders</td></tr>
 *   <tr><td>{@code params}</td><td>the template's parameters ({@link TemplateSpec#params()})</td></tr>
 * </table>
 *
 * <table>
 *   <caption>A member</caption>
 *   <tr><th>key</th><th>what</th></tr>
 *   <tr><td>{@code name}</td><td>its unique name</td></tr>
 *   <tr><td>{@code address}</td><td>its IP address (or host name), without brackets</td></tr>
 *   <tr><td>{@code gossipPort}</td><td>its gossip port</td></tr>
 *   <tr><td>{@code status}</td><td>{@code alive}, {@code suspect}, {@code failed} or {@code left}</td></tr>
 *   <tr><td>{@code up}</td><td>true when alive or suspect</td></tr>
 *   <tr><td>{@code role}</td><td>its role tag, or the empty string</td></tr>
 *   <tr><td>{@code healthy}</td><td>{@link Roles#isHealthy}</td></tr>
 *   <tr><td>{@code tags}</td><td>all its tags, by key</td></tr>
 *   <tr><td>{@code ports}</td><td>service name to port, from the valid {@code <service>.port} tags</td></tr>
 *   <tr><td>{@code endpoints}</td><td>service name to {@code address:port} ({@code [v6]:port} for IPv6)</td></tr>
 *   <tr><td>{@code local}</td><td>true for the node that renders</td></tr>
 * </table>
 */
public final class MembershipModel {

    private static final Comparator<Member> BY_NAME = Comparator.comparing(Member::name);

    private final Map<String, Object> root;

    private MembershipModel(Map<String, Object> root) {
        this.root = root;
    }

    /**
     * Builds the model of {@code members} seen from {@code self}.
     *
     * @param members every member the node knows (as {@code GossipNode.members()}); the node itself may be in it
     * @param self    the node that renders
     * @param params  the template's parameters
     * @return the model
     */
    public static MembershipModel of(Collection<Member> members, Member self, Map<String, String> params) {
        Objects.requireNonNull(members, "members");
        Objects.requireNonNull(self, "self");
        Objects.requireNonNull(params, "params");
        List<Member> sorted = new ArrayList<>(members);
        if (sorted.stream().noneMatch(m -> m.name().equals(self.name()))) {
            sorted.add(self);
        }
        sorted.sort(BY_NAME);

        List<Map<String, Object>> all = new ArrayList<>();
        List<Map<String, Object>> live = new ArrayList<>();
        Map<String, List<Map<String, Object>>> roles = new TreeMap<>();
        for (Member m : sorted) {
            Map<String, Object> model = member(m, m.name().equals(self.name()));
            all.add(model);
            if (m.isUp()) {
                live.add(model);
                Roles.role(m).ifPresent(role -> roles.computeIfAbsent(role, r -> new ArrayList<>()).add(model));
            }
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("members", Collections.unmodifiableList(all));
        root.put("live", Collections.unmodifiableList(live));
        Map<String, Object> roleMap = new LinkedHashMap<>();
        roles.forEach((role, list) -> roleMap.put(role, Collections.unmodifiableList(list)));
        root.put("roles", Collections.unmodifiableMap(roleMap));
        root.put("service", new ServiceMethod(sorted, all));
        root.put("self", member(self, true));
        root.put("params", Collections.unmodifiableMap(new TreeMap<>(params)));
        return new MembershipModel(Collections.unmodifiableMap(root));
    }

    /** The root of the model, as handed to the template engine. */
    Map<String, Object> root() {
        return root;
    }

    private static Map<String, Object> member(Member m, boolean local) {
        Map<String, Object> model = new LinkedHashMap<>();
        String host = m.address().getHostString();
        model.put("name", m.name());
        model.put("address", host);
        model.put("gossipPort", m.address().getPort());
        model.put("status", m.status().name().toLowerCase(Locale.ROOT));
        model.put("up", m.isUp());
        model.put("role", Roles.role(m).orElse(""));
        model.put("healthy", Roles.isHealthy(m));
        model.put("tags", Collections.unmodifiableMap(new TreeMap<>(m.tags())));
        Map<String, Object> ports = new TreeMap<>();
        Map<String, Object> endpoints = new TreeMap<>();
        for (String key : m.tags().keySet()) {
            if (key.endsWith(Roles.PORT_SUFFIX) && key.length() > Roles.PORT_SUFFIX.length()) {
                String service = key.substring(0, key.length() - Roles.PORT_SUFFIX.length());
                OptionalInt port = Roles.port(m, service);
                if (port.isPresent()) {
                    ports.put(service, port.getAsInt());
                    endpoints.put(service, new HostPort(host, port.getAsInt()).toString());
                }
            }
        }
        model.put("ports", Collections.unmodifiableMap(ports));
        model.put("endpoints", Collections.unmodifiableMap(endpoints));
        model.put("local", local);
        return Collections.unmodifiableMap(model);
    }

    /** {@code service(role)} and {@code service(role, port)} in templates. */
    private static final class ServiceMethod implements TemplateMethodModelEx {
        private final List<Member> members;
        private final List<Map<String, Object>> models;

        ServiceMethod(List<Member> members, List<Map<String, Object>> models) {
            this.members = members;
            this.models = models;
        }

        @Override
        public Object exec(@SuppressWarnings("rawtypes") List arguments) throws TemplateModelException {
            if (arguments.isEmpty() || arguments.size() > 2) {
                throw new TemplateModelException("service(role) or service(role, port) expected, got "
                        + arguments.size() + " arguments");
            }
            String role = string(arguments.get(0), "role");
            String port = arguments.size() == 2 ? string(arguments.get(1), "port") : null;
            List<Object> result = new ArrayList<>();
            for (int i = 0; i < members.size(); i++) {
                Member m = members.get(i);
                if (Roles.serves(m, role) && (port == null || Roles.port(m, port).isPresent())) {
                    result.add(models.get(i));
                }
            }
            return new SimpleSequence(result, TemplateEngine.WRAPPER);
        }

        private static String string(Object argument, String what) throws TemplateModelException {
            if (argument instanceof TemplateScalarModel scalar) {
                return scalar.getAsString();
            }
            throw new TemplateModelException("service(): the " + what + " must be a string");
        }
    }
}
