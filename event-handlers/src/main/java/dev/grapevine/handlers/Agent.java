package dev.grapevine.handlers;

import dev.grapevine.roles.NodeLauncher;

/**
 * A Grapevine agent with no role of its own, as {@code serf agent} is: the shared launcher's flags plus
 * {@link HandlerFlags}' event scripts and templates, so clusters can be wired together with scripts and
 * rendered config files and no Java written:
 * <pre>
 * java -cp ... dev.grapevine.handlers.Agent --name lb1 --bind 10.0.0.5:7946 --join 10.0.0.2 \
 *     --event-handler 'member-join,member-leave,member-failed=/etc/grapevine/changed.sh' \
 *     --template 'classpath:templates/nginx-upstream.conf.tmpl:/etc/nginx/conf.d/front.conf:nginx -s reload' \
 *     --template-param role=front
 * </pre>
 */
public final class Agent {

    private Agent() {
    }

    /** Runs until SIGTERM or SIGINT, then leaves gracefully. Exits with 2 on a bad command line. */
    public static void main(String[] args) throws InterruptedException {
        NodeLauncher.main(args, HandlerFlags.FLAGS, HandlerFlags::start);
    }
}
