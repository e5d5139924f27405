package dev.grapevine.benchmarks.sidebyside;

import dev.grapevine.benchmarks.BarChart;
import dev.grapevine.security.Keyring;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntPredicate;

/**
 * Serf and Grapevine through the same faults on this machine's real network stack (issue 15): N Serf agents
 * (127.0.33.x, each as its own user id so that nftables can make its TCP streams leave from its address), N
 * Grapevine nodes one JVM each (127.0.34.x) and N Grapevine nodes in one JVM (127.0.35.x), all three fleets
 * at once, each driven through the same schedule by its own thread, with faults from one nftables table
 * ({@link Faults}, {@value Faults#TABLE}, deleted at the end and on Ctrl-C):
 * <ol>
 *   <li>random loss of 5, 10 and 20 % of every packet among the nodes, user events flowing;</li>
 *   <li>one-way loss: node N's outbound dropped 100 % and 50 % (inbound open), and its inbound likewise;</li>
 *   <li>partitions: half against half, node N against the rest, and the asymmetric cut (first half to second
 *       cut, the way back open), each healed after a while;</li>
 *   <li>pauses of node N's process, SIGSTOP then SIGCONT (one JVM per node and Serf; embedded nodes share a
 *       JVM and are skipped);</li>
 *   <li>churn: 10 % of the nodes killed and restarted every 30 s while user events flow;</li>
 *   <li>a flapping node: node N cut off 5 s, open 5 s, repeated.</li>
 * </ol>
 * Per system and scenario: false failures (a "failed X" reported while X was healthy as far as that observer
 * could tell: not impaired, same side of a partition, not being restarted), flaps per healthy node (a false
 * failure later undone by a join), suspicions raised (the probers' own counters), detection time of the real
 * failures (median over observer and subject), time to one cluster after the fault is removed (every node
 * sees every other alive), and user events lost or delivered twice to nodes alive throughout.
 *
 * <p>Arguments: {@code --n 8 --systems serf,grapevine-jvm,grapevine-embedded --scenarios all --loss 600
 * --one-way 120 --partition 60 --pauses 2,10,30 --churn 600 --flap 120 --heal 180 --port 7946 --out DIR
 * --logs DIR --serf serf --plaintext --quick} (every node's output, stamped on arrival, goes to the logs
 * directory, by default benchmarks/target/faults/logs) ({@code --quick}: loss 60, one-way 30, partition 30, churn 120, flap 60,
 * heal 120; later flags win). Scenario names: loss5 loss10 loss20 out100 out50 in100 in50 half one-vs-rest
 * asym pause2 pause10 pause30 (from --pauses) churn flap; or the families loss, one-way, partition, pause.
 */
public final class FaultSideBySide {

    private static final String[] BASES = {"127.0.33", "127.0.34", "127.0.35"};
    private static final List<String> SYSTEMS = List.of("serf", "grapevine-jvm", "grapevine-embedded");
    private static final int SERF_UID = 40000;

    /** Parsed arguments. */
    record Settings(int n, List<String> systems, List<String> scenarios, int loss, int oneWay, int partition,
                    List<Integer> pauses, int churn, int flap, int heal, int port, Path out, Path logs, String serf, String key) {
    }

    /** The figures of one system in one scenario; NaN when not measured. */
    record Row(String system, String scenario, int falseFailures, double flapsPerHealthy, long suspicions,
               double detectS, double healS, int events, int lost, int duplicated, String note) {

        static final String CSV_HEADER = "system,scenario,false_failures,flaps_per_healthy,suspicions,detect_s,heal_s,"
                + "events,events_lost,events_twice,note";

        String csv() {
            return String.format(Locale.ROOT, "%s,%s,%d,%.3f,%d,%.2f,%.2f,%d,%d,%d,%s", system, scenario,
                    falseFailures, flapsPerHealthy, suspicions, detectS, healS, events, lost, duplicated,
                    note.replace(',', ';'));
        }
    }

    private FaultSideBySide() {
    }

    /** Entry point; see the class comment. */
    public static void main(String[] args) throws Exception {
        Settings s;
        try {
            s = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        String why = Faults.unavailable();
        if (why != null) {
            System.err.println("cannot inject faults: " + why);
            System.exit(1);
        }
        Files.createDirectories(s.out());
        try (Faults faults = new Faults()) {
            Runtime.getRuntime().addShutdownHook(new Thread(() ->
                    ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly), "faults-kill-nodes"));
            ExecutorService pool = Executors.newFixedThreadPool(s.systems().size());
            List<Future<List<Row>>> runs = new ArrayList<>();
            for (String system : s.systems()) {
                runs.add(pool.submit(() -> new Trial(s, system, faults).run()));
            }
            List<Row> rows = new ArrayList<>();
            for (Future<List<Row>> r : runs) {
                rows.addAll(r.get());
            }
            pool.shutdown();
            write(s, rows);
        }
    }

    static Settings parse(String[] args) {
        int n = 8;
        List<String> systems = SYSTEMS;
        List<String> scenarios = List.of("all");
        int loss = 600;
        int oneWay = 120;
        int partition = 60;
        List<Integer> pauses = List.of(2, 10, 30);
        int churn = 600;
        int flap = 120;
        int heal = 180;
        int port = 7946;
        Path out = Path.of("benchmarks/target/faults/run-" + java.time.LocalDate.now(java.time.ZoneOffset.UTC));
        Path logs = Path.of("benchmarks/target/faults/logs");
        String serf = "serf";
        boolean plaintext = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--quick")) {
                loss = 60;
                oneWay = 30;
                partition = 30;
                churn = 120;
                flap = 60;
                heal = 120;
                continue;
            }
            if (a.equals("--plaintext")) {
                plaintext = true;
                continue;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(a + " needs a value");
            }
            String v = args[++i];
            switch (a) {
                case "--n" -> n = Integer.parseInt(v);
                case "--systems" -> systems = List.of(v.split(","));
                case "--scenarios" -> scenarios = List.of(v.split(","));
                case "--loss" -> loss = Integer.parseInt(v);
                case "--one-way" -> oneWay = Integer.parseInt(v);
                case "--partition" -> partition = Integer.parseInt(v);
                case "--pauses" -> pauses = Arrays.stream(v.split(",")).map(Integer::valueOf).toList();
                case "--churn" -> churn = Integer.parseInt(v);
                case "--flap" -> flap = Integer.parseInt(v);
                case "--heal" -> heal = Integer.parseInt(v);
                case "--port" -> port = Integer.parseInt(v);
                case "--out" -> out = Path.of(v);
                case "--logs" -> logs = Path.of(v);
                case "--serf" -> serf = v;
                default -> throw new IllegalArgumentException("unknown argument " + a);
            }
        }
        if (n < 4 || n > 250) {
            throw new IllegalArgumentException("--n must be 4..250");
        }
        for (String sys : systems) {
            if (!SYSTEMS.contains(sys)) {
                throw new IllegalArgumentException("--systems: unknown system " + sys);
            }
        }
        List<String> expanded = new ArrayList<>();
        for (String sc : scenarios) {
            expanded.addAll(switch (sc) {
                case "all" -> all(pauses);
                case "loss" -> List.of("loss5", "loss10", "loss20");
                case "one-way" -> List.of("out100", "out50", "in100", "in50");
                case "partition" -> List.of("half", "one-vs-rest", "asym");
                case "pause" -> pauses.stream().map(p -> "pause" + p).toList();
                default -> {
                    if (!all(pauses).contains(sc)) {
                        throw new IllegalArgumentException("--scenarios: unknown scenario " + sc);
                    }
                    yield List.of(sc);
                }
            });
        }
        return new Settings(n, systems, expanded, loss, oneWay, partition, pauses, churn, flap, heal, port, out, logs, serf,
                plaintext ? null : Keyring.generateKeyBase64());
    }

    private static List<String> all(List<Integer> pauses) {
        List<String> all = new ArrayList<>(List.of("loss5", "loss10", "loss20", "out100", "out50", "in100", "in50",
                "half", "one-vs-rest", "asym"));
        pauses.forEach(p -> all.add("pause" + p));
        all.add("churn");
        all.add("flap");
        return all;
    }

    /** One system's fleet through the whole schedule. */
    static final class Trial {
        private final Settings s;
        private final String system;
        private final Faults faults;
        private final String base;
        private Fleet f;
        private final List<Row> rows = new ArrayList<>();
        private int eventSeq;

        Trial(Settings s, String system, Faults faults) {
            this.s = s;
            this.system = system;
            this.faults = faults;
            this.base = BASES[SYSTEMS.indexOf(system)];
        }

        private String ip(int i) {
            return base + "." + i;
        }

        private List<String> ips(List<Integer> nodes) {
            return nodes.stream().map(this::ip).toList();
        }

        private void say(String what) {
            System.out.printf(Locale.ROOT, "%tT %s: %s%n", System.currentTimeMillis(), system, what);
        }

        List<Row> run() throws Exception {
            Path log = s.logs().resolve(system + ".log");
            int n = s.n();
            List<Faults.Rule> sources = new ArrayList<>();
            f = switch (system) {
                case "serf" -> new SerfFleet(n, s.port(), log, s.serf(), s.key(), base, SERF_UID);
                case "grapevine-jvm" -> new GrapevineFleet(n, s.port(), log,
                        SerfSideBySide.javaCommand(SerfSideBySide.NODE_JVM), false, s.key(), false, base);
                default -> new GrapevineFleet(n, s.port(), log,
                        SerfSideBySide.javaCommand("-Xmx" + (64 + 4 * n) + "m -XX:+UseSerialGC"), true, s.key(), false, base);
            };
            try (Fleet fleet = f) {
                if (fleet instanceof SerfFleet serf) {
                    for (int i = 1; i <= n; i++) {
                        sources.add(faults.sourceAs(serf.uid(i), ip(i)));
                    }
                }
                fleet.start();
                fleet.joinAll();
                if (!Fleet.await(fleet::converged, 120)) {
                    say("not converged in 120 s; going on");
                }
                Thread.sleep(5000);
                for (String sc : s.scenarios()) {
                    say("scenario " + sc);
                    try {
                        Row r = scenario(sc);
                        say(r.csv());
                        rows.add(r);
                    } catch (Exception e) {
                        say("scenario " + sc + " failed: " + e);
                        rows.add(new Row(system, sc, 0, Double.NaN, 0, Double.NaN, Double.NaN, 0, 0, 0, "harness error: " + e));
                    }
                    // back to one cluster before the next scenario
                    if (!Fleet.await(() -> f.allAlive(f.allBut(), f.allBut()), s.heal())) {
                        say("not one cluster again before the next scenario");
                    }
                    Thread.sleep(5000);
                }
            } finally {
                for (Faults.Rule r : sources) {
                    try {
                        faults.remove(r);
                    } catch (IOException e) {
                        say("source rule not removed: " + e);
                    }
                }
            }
            return rows;
        }

        /** When an observer's "failed X" is expected (X really impaired for it), at a time in micros. */
        private interface Expected {
            boolean test(int observer, int subject, long micros);
        }

        private Row scenario(String sc) throws Exception {
            int n = s.n();
            List<Integer> all = f.allBut();
            if (sc.startsWith("loss")) {
                int pct = Integer.parseInt(sc.substring(4));
                return measure(sc, (o, x, t) -> false, 0, List.of(), true, () -> {
                    List<Faults.Rule> r = List.of(faults.loss(ips(all), pct));
                    flowEvents(s.loss(), i -> true);
                    return r;
                });
            }
            if (sc.startsWith("out") || sc.startsWith("in")) {
                boolean out = sc.startsWith("out");
                int pct = Integer.parseInt(sc.substring(out ? 3 : 2));
                return measure(sc, (o, x, t) -> x == n, 1, pct == 100 ? pairsAbout(n) : List.of(), false, () -> {
                    List<Faults.Rule> r = List.of(out ? faults.outbound(ip(n), pct) : faults.inbound(ip(n), pct));
                    Thread.sleep(s.oneWay() * 1000L);
                    return r;
                });
            }
            if (sc.equals("half") || sc.equals("one-vs-rest") || sc.equals("asym")) {
                List<Integer> a = sc.equals("one-vs-rest") ? List.of(n) : all.subList(0, n / 2);
                List<Integer> b = sc.equals("one-vs-rest") ? all.subList(0, n - 1) : all.subList(n / 2, n);
                List<int[]> cross = new ArrayList<>();
                for (int x : a) {
                    for (int y : b) {
                        cross.add(new int[]{x, y});
                        cross.add(new int[]{y, x});
                    }
                }
                return measure(sc, (o, x, t) -> a.contains(o) != a.contains(x), 0, cross, false, () -> {
                    List<Faults.Rule> r = sc.equals("asym") ? List.of(faults.cut(ips(a), ips(b)))
                            : faults.partition(ips(a), ips(b));
                    Thread.sleep(s.partition() * 1000L);
                    return r;
                });
            }
            if (sc.startsWith("pause")) {
                int secs = Integer.parseInt(sc.substring(5));
                if (f instanceof GrapevineFleet g && g.embedded()) {
                    return new Row(system, sc, 0, Double.NaN, 0, Double.NaN, Double.NaN, 0, 0, 0,
                            "skipped: the embedded nodes share one JVM, one cannot be paused alone");
                }
                long pid = f instanceof SerfFleet serf ? serf.agent(n).pid() : ((GrapevineFleet) f).jvm(n).pid();
                return measure(sc, (o, x, t) -> x == n, 1, secs >= 10 ? pairsAbout(n) : List.of(), false, () -> {
                    Faults.pause(pid);
                    try {
                        Thread.sleep(secs * 1000L);
                    } finally {
                        Faults.resume(pid);
                    }
                    return List.of();
                });
            }
            if (sc.equals("churn")) {
                return churn();
            }
            if (sc.equals("flap")) {
                return measure(sc, (o, x, t) -> x == n, 1, List.of(), false, () -> {
                    long end = System.nanoTime() + s.flap() * 1_000_000_000L;
                    while (System.nanoTime() < end) {
                        List<Faults.Rule> cut = faults.isolate(ip(n));
                        Thread.sleep(5000);
                        faults.remove(cut);
                        Thread.sleep(5000);
                    }
                    return List.of();
                });
            }
            throw new IllegalArgumentException(sc);
        }

        /**
         * Time to one cluster from now (the fault just removed): waits until every node has had every other
         * alive for 5 s in a row (at most --heal s, else NaN), and returns when the last membership change
         * before that came, 0 when none came.
         */
        private double heal() throws InterruptedException {
            long healed = Observations.nowMicros();
            long deadline = System.nanoTime() + s.heal() * 1_000_000_000L;
            long okSince = -1;
            while (System.nanoTime() < deadline) {
                if (f.allAlive(f.allBut(), f.allBut())) {
                    long now = Observations.nowMicros();
                    if (okSince < 0) {
                        okSince = now;
                    } else if (now - okSince >= 5_000_000L) {
                        long ok = okSince;
                        long last = f.obs.timeline().stream().filter(x -> x.micros() >= healed && x.micros() <= ok)
                                .filter(x -> x.fact().startsWith("joined ") || x.fact().startsWith("failed ")
                                        || x.fact().startsWith("left "))
                                .mapToLong(Observations.Fact::micros).max().orElse(healed);
                        return (last - healed) / 1e6;
                    }
                } else {
                    okSince = -1;
                }
                Thread.sleep(100);
            }
            return Double.NaN;
        }

        /** Every other node's detection of node {@code x}. */
        private List<int[]> pairsAbout(int x) {
            return f.allBut(x).stream().map(o -> new int[]{o, x}).toList();
        }

        /** A fault: applies itself, waits its duration, returns the rules still to remove. */
        private interface Fault {
            List<Faults.Rule> apply() throws Exception;
        }

        private final List<String[]> sent = new ArrayList<>(); // name, sender, micros

        /** Sends a user event every 2 s for {@code seconds}, from node 1 and the nodes {@code sender} allows. */
        private void flowEvents(int seconds, IntPredicate sender) throws Exception {
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            List<Integer> from = f.allBut().stream().filter(sender::test).toList();
            int k = 0;
            while (System.nanoTime() < end) {
                String name = system.charAt(0) + "ev" + (++eventSeq);
                int node = from.get(k++ % from.size());
                synchronized (sent) {
                    sent.add(new String[]{name, Integer.toString(node), Long.toString(Observations.nowMicros())});
                }
                try {
                    f.event(node, name);
                } catch (Exception e) {
                    say("event " + name + " not sent: " + e);
                }
                Thread.sleep(2000);
            }
        }

        /**
         * Runs {@code fault}, removes its rules, waits for one cluster, and computes the row.
         *
         * @param expected   which failures are not false
         * @param impaired   how many nodes the fault impairs (the rest are the healthy ones flaps are over)
         * @param detections (observer, subject) pairs whose first "failed" times the real failures' detection
         * @param events     whether user events flowed and are to be counted
         */
        private Row measure(String sc, Expected expected, int impaired, List<int[]> detections, boolean events,
                            Fault fault) throws Exception {
            long[] suspicions0 = suspicionCounts();
            int start = f.obs.timeline().size();
            synchronized (sent) {
                sent.clear();
            }
            long t0 = Observations.nowMicros();
            List<Faults.Rule> rules = fault.apply();
            faults.remove(rules);
            double heal = heal();
            boolean one = !Double.isNaN(heal);
            Thread.sleep(3000);
            int[] ev = events ? countEvents(f.allBut()) : new int[]{0, 0, 0};
            long suspicions = suspicionsSince(suspicions0);
            List<Observations.Fact> t = f.obs.timeline();
            t = t.subList(start, t.size());
            return row(sc, t, t0, expected, impaired, detections, heal, suspicions, ev,
                    one ? "" : "not one cluster " + s.heal() + " s after the fault ended");
        }

        private Row row(String sc, List<Observations.Fact> t, long t0, Expected expected, int impaired,
                        List<int[]> detections, double heal, long suspicions, int[] ev, String note) {
            Map<String, Integer> number = new HashMap<>();
            for (int i = 1; i <= s.n(); i++) {
                number.put(f.name(i), i);
            }
            int falseFailures = 0;
            int flaps = 0;
            Map<String, Boolean> falselyDown = new HashMap<>();
            Map<String, Long> firstFailed = new HashMap<>();
            for (Observations.Fact x : t) {
                Integer o = number.get(x.observer());
                int sp = x.fact().indexOf(' ');
                if (o == null || sp < 0) {
                    continue;
                }
                String verb = x.fact().substring(0, sp);
                Integer subject = number.get(x.fact().substring(sp + 1));
                if (subject == null) {
                    continue;
                }
                String pair = o + ">" + subject;
                if (verb.equals("failed")) {
                    firstFailed.putIfAbsent(pair, x.micros());
                    if (!expected.test(o, subject, x.micros())) {
                        falseFailures++;
                        falselyDown.put(pair, true);
                    }
                } else if (verb.equals("joined") && falselyDown.remove(pair) != null) {
                    flaps++;
                }
            }
            List<Double> detect = new ArrayList<>();
            for (int[] d : detections) {
                Long at = firstFailed.get(d[0] + ">" + d[1]);
                if (at != null) {
                    detect.add((at - t0) / 1e6);
                }
            }
            String missed = detect.size() < detections.size()
                    ? (detections.size() - detect.size()) + " of " + detections.size() + " detections missing" : "";
            String notes = String.join("; ", List.of(note, missed).stream().filter(x -> !x.isEmpty()).toList());
            return new Row(system, sc, falseFailures, (double) flaps / (s.n() - impaired), suspicions,
                    Result.median(detect), heal, ev[0], ev[1], ev[2], notes);
        }

        /** Events sent, lost and delivered more than once, over the receivers the predicate keeps. */
        private int[] countEvents(List<Integer> receivers) throws InterruptedException {
            return countEvents((node, at) -> receivers.contains(node));
        }

        private interface Receiver {
            boolean counts(int node, long sentMicros);
        }

        private int[] countEvents(Receiver receiver) throws InterruptedException {
            List<String[]> names;
            synchronized (sent) {
                names = List.copyOf(sent);
            }
            String fact = f.deliveryFact();
            Fleet.await(() -> names.stream().allMatch(e -> f.allBut().stream()
                    .filter(i -> receiver.counts(i, Long.parseLong(e[2])))
                    .allMatch(i -> f.obs.at(f.name(i), fact + e[0]) != null)), 30);
            Map<String, Integer> copies = new HashMap<>();
            for (Observations.Fact x : f.obs.timeline()) {
                if (x.fact().startsWith(fact)) {
                    copies.merge(x.observer() + " " + x.fact().substring(fact.length()), 1, Integer::sum);
                }
            }
            int lost = 0;
            int twice = 0;
            for (String[] e : names) {
                for (int i : f.allBut()) {
                    if (receiver.counts(i, Long.parseLong(e[2]))) {
                        int c = copies.getOrDefault(f.name(i) + " " + e[0], 0);
                        lost += c == 0 ? 1 : 0;
                        twice += c > 1 ? 1 : 0;
                    }
                }
            }
            return new int[]{names.size(), lost, twice};
        }

        /**
         * Suspicions raised since {@code before} (from {@link #suspicionCounts()}), summed over the nodes; a node
         * whose count went down was restarted, and counts from zero.
         */
        private long suspicionsSince(long[] before) throws InterruptedException {
            long[] now = suspicionCounts();
            long sum = 0;
            for (int i = 0; i < now.length; i++) {
                sum += now[i] >= before[i] ? now[i] - before[i] : now[i];
            }
            return sum;
        }

        /** Suspicions raised so far by each node (the probers' own counts), index 0 for node 1. */
        private long[] suspicionCounts() throws InterruptedException {
            if (f instanceof GrapevineFleet g) {
                long asked = Observations.nowMicros();
                for (int i = 1; i <= s.n(); i++) {
                    g.askStats(i);
                }
                Fleet.await(() -> f.allBut().stream().allMatch(i -> f.obs.counterAt(f.name(i)) >= asked), 5);
            }
            long[] c = new long[s.n()];
            for (int i = 1; i <= s.n(); i++) {
                c[i - 1] = f.obs.counter(f.name(i), "suspicions");
            }
            return c;
        }

        /**
         * Churn: every 30 s, 10 % of the nodes (at least one; never node 1, the seed and event sender) killed
         * and started again at once, while node 1 sends an event every 2 s. A restarted node is impaired from its
         * kill until 30 s after its restart; events count for the nodes not restarted around their sending.
         */
        private Row churn() throws Exception {
            int n = s.n();
            int per = Math.max(1, n / 10);
            long[] suspicions0 = suspicionCounts();
            int start = f.obs.timeline().size();
            synchronized (sent) {
                sent.clear();
            }
            Map<Integer, List<long[]>> windows = new HashMap<>();
            List<Double> detect = new ArrayList<>();
            long t0 = Observations.nowMicros();
            Thread events = new Thread(() -> {
                try {
                    flowEvents(s.churn(), i -> i == 1);
                } catch (Exception e) {
                    say("churn events stopped: " + e);
                }
            }, "churn-events-" + system);
            events.start();
            long end = System.nanoTime() + s.churn() * 1_000_000_000L;
            int next = n;
            while (System.nanoTime() < end) {
                long round = System.nanoTime();
                for (int k = 0; k < per; k++) {
                    int victim = next;
                    next = next <= 2 ? n : next - 1;
                    long killed = Observations.nowMicros();
                    f.crash(victim);
                    if (f instanceof SerfFleet serf) {
                        serf.agent(victim).waitFor();
                        serf.restart(victim, 1);
                    } else {
                        GrapevineFleet g = (GrapevineFleet) f;
                        if (!g.embedded()) {
                            g.jvm(victim).waitFor();
                        }
                        g.restart(victim, 1);
                    }
                    long restarted = Observations.nowMicros();
                    synchronized (windows) {
                        windows.computeIfAbsent(victim, v -> new ArrayList<>())
                                .add(new long[]{killed, restarted + 30_000_000L});
                    }
                }
                long wait = 30_000_000_000L - (System.nanoTime() - round);
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000L);
                }
            }
            events.join();
            double heal = heal();
            boolean one = !Double.isNaN(heal);
            Thread.sleep(3000);
            Expected expected = (o, x, t) -> inWindow(windows, x, t);
            int[] ev = countEvents((node, at) -> !inWindow(windows, node, at) && !inWindow(windows, node, at + 10_000_000L));
            long suspicions = suspicionsSince(suspicions0);
            List<Observations.Fact> t = f.obs.timeline();
            t = t.subList(start, t.size());
            // detection of the kills: each other node's first "failed VICTIM" after each kill
            for (Map.Entry<Integer, List<long[]>> w : windows.entrySet()) {
                for (long[] win : w.getValue()) {
                    for (int o : f.allBut(w.getKey())) {
                        t.stream().filter(x -> x.observer().equals(f.name(o)) && x.fact().equals("failed " + f.name(w.getKey()))
                                        && x.micros() >= win[0] && x.micros() <= win[1]).findFirst()
                                .ifPresent(x -> detect.add((x.micros() - win[0]) / 1e6));
                    }
                }
            }
            Row r = row("churn", t, t0, expected, 0, List.of(), heal, suspicions, ev,
                    one ? "" : "not one cluster " + s.heal() + " s after the churn ended");
            return new Row(r.system(), r.scenario(), r.falseFailures(), r.flapsPerHealthy(), r.suspicions(),
                    Result.median(detect), r.healS(), r.events(), r.lost(), r.duplicated(),
                    (r.note().isEmpty() ? "" : r.note() + "; ") + detect.size() + " kill detections (a restart often"
                            + " beats detection)");
        }

        private static boolean inWindow(Map<Integer, List<long[]>> windows, int node, long t) {
            synchronized (windows) {
                return windows.getOrDefault(node, List.of()).stream().anyMatch(w -> t >= w[0] && t <= w[1]);
            }
        }
    }

    // ---- report ----

    private static final String[] HEADINGS = {"false failures", "flaps / healthy node", "suspicions",
            "detection (s)", "heal (s)", "events sent", "events lost", "events twice"};

    /** Writes results.csv, results.md and chart PNGs to the run's directory. */
    static void write(Settings s, List<Row> rows) throws IOException {
        StringBuilder csv = new StringBuilder(Row.CSV_HEADER).append('\n');
        rows.forEach(r -> csv.append(r.csv()).append('\n'));
        Files.writeString(s.out().resolve("results.csv"), csv, StandardCharsets.UTF_8);
        Files.writeString(s.out().resolve("results.md"), markdown(s, rows), StandardCharsets.UTF_8);
        List<String> systems = s.systems();
        BarChart ff = new BarChart("False failures per scenario (N = " + s.n() + ")", "false failures", systems);
        BarChart heal = new BarChart("Time to one cluster after the fault (N = " + s.n() + ")", "seconds", systems);
        for (String sc : s.scenarios()) {
            double[] a = new double[systems.size()];
            double[] b = new double[systems.size()];
            for (int k = 0; k < systems.size(); k++) {
                String sys = systems.get(k);
                Row r = rows.stream().filter(x -> x.system().equals(sys) && x.scenario().equals(sc)).findFirst().orElse(null);
                a[k] = r == null || r.note().startsWith("skipped") || r.note().startsWith("harness") ? Double.NaN : r.falseFailures();
                b[k] = r == null ? Double.NaN : r.healS();
            }
            ff.add(sc, a);
            heal.add(sc, b);
        }
        ff.writePng(s.out().resolve("false-failures.png"));
        heal.writePng(s.out().resolve("heal.png"));
    }

    static String markdown(Settings s, List<Row> rows) {
        StringBuilder md = new StringBuilder();
        md.append("N = ").append(s.n()).append(" per system, all three at once; loss ").append(s.loss())
                .append(" s, one-way ").append(s.oneWay()).append(" s, partitions ").append(s.partition())
                .append(" s, pauses ").append(s.pauses()).append(" s, churn ").append(s.churn()).append(" s, flapping ")
                .append(s.flap()).append(" s.\n\n| scenario | system | ").append(String.join(" | ", HEADINGS))
                .append(" | note |\n|---|---|").append("---:|".repeat(HEADINGS.length)).append("---|\n");
        for (String sc : s.scenarios()) {
            for (String sys : s.systems()) {
                rows.stream().filter(r -> r.system().equals(sys) && r.scenario().equals(sc)).findFirst().ifPresent(r ->
                        md.append(String.format(Locale.ROOT, "| %s | %s | %d | %.2f | %d | %s | %s | %d | %d | %d | %s |%n",
                                sc, sys, r.falseFailures(), r.flapsPerHealthy(), r.suspicions(), fmt(r.detectS()),
                                fmt(r.healS()), r.events(), r.lost(), r.duplicated(), r.note())));
            }
        }
        return md.toString();
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.1f", v);
    }
}
