package dev.grapevine.benchmarks.sidebyside;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * HashiCorp Serf agents, one process each, on {@code 127.0.100.i:7946} (RPC on {@code :7373}; with another
 * port P, P and P - 573), LAN profile,
 * debug logging (needed for the protocol-level user event line). Joins, events and leaves go through the
 * {@code serf} command line as an operator would.
 *
 * <p>Facts come from the agent's log: {@code serf: EventMemberJoin/Failed/Leave: NAME} (logged by the serf
 * layer as memberlist reports the change, before the agent's event coalescing), {@code serf:
 * messageUserEventType: NAME} (the first one on a node is the first copy of the event it received), {@code
 * agent: Requesting user event send: NAME} (the sender), {@code agent: joining:} and {@code Serf agent
 * running!}. Serf stamps its log to the second only, hence stamping on arrival. {@code EventMemberLeave
 * (forced)}, logged when a leave intent arrives for a member this agent had already declared failed, is not
 * taken as a clean leave: that agent counts as having missed the leave, and its "failed" as a false one.
 */
final class SerfFleet extends Fleet {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SerfFleet.class);

    private final String serf;
    private final String key;
    private final List<Process> agents = new ArrayList<>();
    private final String base;
    private final int firstUid;

    /**
     * @param serf path of the serf binary
     * @param key  base64 encryption key, or null for plaintext
     */
    SerfFleet(int n, int port, Path logFile, String serf, String key) throws java.io.IOException {
        this(n, port, logFile, serf, key, "127.0.100", 0);
    }

    /**
     * ... on {@code base.1..N}; with {@code firstUid > 0} agent {@code i} runs as user id {@code firstUid + i}
     * (through {@code setpriv}, root only), so that nftables can tell its packets from the others' by owner
     * (Serf opens its TCP streams from 127.0.0.1, not from its bind address; see {@link Faults#sourceAs}).
     */
    SerfFleet(int n, int port, Path logFile, String serf, String key, String base, int firstUid)
            throws java.io.IOException {
        super(n, port, logFile);
        this.serf = serf;
        this.key = key;
        this.base = base;
        this.firstUid = firstUid;
    }

    /** The user id agent {@code i} runs as, or 0 when all run as this process's user. */
    int uid(int i) {
        return firstUid > 0 ? firstUid + i : 0;
    }

    /** Agent {@code i}'s process, to pause. */
    Process agent(int i) {
        return agents.get(i - 1);
    }

    @Override
    String label() {
        return "serf";
    }

    @Override
    String name(int i) {
        return "s" + i;
    }

    @Override
    String address(int i) {
        return base + "." + i + ":" + port;
    }

    private String rpc(int i) {
        return "-rpc-addr=" + base + "." + i + ":" + (port - 573);
    }

    @Override
    void start() throws Exception {
        if (n > 250) {
            throw new IllegalArgumentException("at most 250 Serf agents (one per address of 127.0.100.0/24)");
        }
        for (int i = 1; i <= n; i++) {
            agents.add(spawn(agentCommand(i), name(i)));
        }
        if (!await(() -> allSaw(allBut(), "ready"), 60)) {
            throw new IllegalStateException("Serf agents not ready in 60 s");
        }
    }

    private List<String> agentCommand(int i) {
        List<String> cmd = new ArrayList<>();
        if (firstUid > 0) {
            cmd.addAll(List.of("setpriv", "--reuid=" + uid(i), "--regid=" + uid(i), "--clear-groups"));
        }
        cmd.addAll(List.of(serf, "agent", "-node=" + name(i), "-bind=" + address(i), rpc(i), "-profile=lan",
                "-log-level=debug"));
        if (key != null) {
            cmd.add("-encrypt=" + key);
        }
        return cmd;
    }

    /** Starts agent {@code i} again after a crash, on the same address, and has it join agent {@code seed}. */
    void restart(int i, int seed) throws Exception {
        long before = readyCount(i);
        agents.set(i - 1, spawn(agentCommand(i), name(i)));
        if (!await(() -> readyCount(i) > before, 30)) {
            throw new IllegalStateException("agent " + name(i) + " not ready again in 30 s");
        }
        run(List.of(serf, "join", rpc(i), address(seed)), 60);
    }

    private long readyCount(int i) {
        return obs.timeline().stream().filter(f -> f.observer().equals(name(i)) && f.fact().equals("ready")).count();
    }

    @Override
    void joinAll() throws Exception {
        List<Process> calls = new ArrayList<>();
        for (int i = 2; i <= n; i++) {
            calls.add(new ProcessBuilder(serf, "join", rpc(i), address(1)).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
        }
        for (Process p : calls) {
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    @Override
    void event(int from, String name) throws Exception {
        List<String> cmd = List.of(serf, "event", rpc(from), "-coalesce=false", name, "0123456789abcdef");
        for (int attempt = 1; ; attempt++) {
            try {
                run(cmd, 30);
                return;
            } catch (java.io.IOException e) {
                if (attempt == 3) {
                    throw e;
                }
                LOG.warn("serf event failed, trying again: {}", e.getMessage());
                Thread.sleep(1000);
            }
        }
    }

    @Override
    void crash(int i) {
        agents.get(i - 1).destroyForcibly(); // SIGKILL
    }

    @Override
    void leave(int i) throws Exception {
        // SIGINT: the agent leaves gracefully (SIGTERM would not, by default).
        run(List.of("kill", "-INT", Long.toString(agents.get(i - 1).pid())), 10);
    }

    /** Serf logs every copy of a user event it receives; what the agent delivers (deduplicated) is "delivered". */
    @Override
    String deliveryFact() {
        return "delivered ";
    }

    @Override
    void parse(String node, String line, long t) {
        String[][] facts = {
                {"serf: EventMemberJoin: ", "joined "},
                {"serf: EventMemberFailed: ", "failed "},
                {"serf: EventMemberLeave: ", "left "},
                {"serf: messageUserEventType: ", "event "},
                {"agent: Requesting user event send: ", "sending "},
                {"agent: Received event: user-event: ", "delivered "},
        };
        for (String[] f : facts) {
            int k = line.indexOf(f[0]);
            if (k >= 0) {
                String rest = line.substring(k + f[0].length());
                int end = 0;
                while (end < rest.length() && rest.charAt(end) != ' ' && rest.charAt(end) != '.') {
                    end++;
                }
                obs.record(node, f[1] + rest.substring(0, end), t);
                return;
            }
        }
        if (line.contains("memberlist: Suspect ")) {
            obs.counter(node, "suspicions", obs.counter(node, "suspicions") + 1);
        } else if (line.contains("agent: joining: ")) {
            obs.record(node, "joining", t);
        } else if (line.contains("Serf agent running!")) {
            obs.record(node, "ready", t);
        }
    }
}
