package dev.grapevine.handlers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A Serf-style event script in bash, as an operator would write it, that records each run: its
 * {@code SERF_*} environment ({@code env | grep ^SERF_}) and its stdin, numbered in order; and answers
 * queries on stdout and stderr. Plus polling helpers.
 */
final class Dump {

    /** The script, after its first line and any gate. Runs serially per handler, so the counter needs no lock. */
    static final String SCRIPT = String.join("\n",
            "d=\"$(dirname \"$0\")/runs\"",
            "mkdir -p \"$d\"",
            "n=$(cat \"$d/count\" 2>/dev/null || echo 0)",
            "n=$((n+1))",
            "env | grep ^SERF_ | sort > \"$d/$n.env\"",
            "cat > \"$d/$n.stdin\"",
            "echo $n > \"$d/count.tmp\" && mv \"$d/count.tmp\" \"$d/count\"",
            "if [ \"$SERF_EVENT\" = query ]; then",
            "  echo \"answer from $SERF_SELF_NAME to $SERF_QUERY_NAME\"",
            "  echo \"to stderr\" >&2",
            "fi",
            "");

    /**
     * One run of the script.
     *
     * @param env   its SERF_ variables
     * @param stdin what it read
     */
    record Run(Map<String, String> env, String stdin) {
        String event() {
            return env.get("SERF_EVENT");
        }
    }

    private final Path dir;

    private Dump(Path dir) {
        this.dir = dir;
    }

    /** Writes the script into {@code dir}; skips the test when there is no bash. */
    static Dump create(Path dir) throws IOException {
        return create(dir, "");
    }

    /** Writes the script with {@code gate}, a shell line run first (say, to wait for a file). */
    static Dump create(Path dir, String gate) throws IOException {
        assumeTrue(Files.isExecutable(Path.of("/bin/bash")), "bash is not installed at /bin/bash");
        Path script = dir.resolve("dump.sh");
        Files.writeString(script, "#!/bin/bash\n" + gate + "\n" + SCRIPT);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return new Dump(dir);
    }

    Path script() {
        return dir.resolve("dump.sh");
    }

    /** Every finished run so far, in order. */
    List<Run> runs() {
        Path runs = dir.resolve("runs");
        try {
            if (!Files.exists(runs.resolve("count"))) {
                return List.of();
            }
            int n = Integer.parseInt(Files.readString(runs.resolve("count")).trim());
            List<Run> out = new ArrayList<>();
            for (int i = 1; i <= n; i++) {
                Map<String, String> env = new LinkedHashMap<>();
                for (String line : Files.readAllLines(runs.resolve(i + ".env"))) {
                    int eq = line.indexOf('=');
                    env.put(line.substring(0, eq), line.substring(eq + 1));
                }
                out.add(new Run(env, Files.readString(runs.resolve(i + ".stdin"), StandardCharsets.UTF_8)));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs of one event type. */
    List<Run> runs(String event) {
        return runs().stream().filter(r -> event.equals(r.event())).toList();
    }

    /** Polls {@code condition} every 50 ms; true as soon as it holds, false after {@code max}. */
    static boolean await(BooleanSupplier condition, Duration max) throws InterruptedException {
        long end = System.nanoTime() + max.toNanos();
        while (System.nanoTime() < end) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(50);
        }
        return condition.getAsBoolean();
    }
}
