package dev.grapevine.dns;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Runs the real {@code dig} (Debian package dnsutils) against a responder and parses what it prints. */
final class Dig {

    private static final Pattern STATUS = Pattern.compile(";; ->>HEADER<<- opcode: (\\S+), status: (\\S+), id:");
    private static final Pattern FLAGS = Pattern.compile(";; flags:([^;]*);");

    private Dig() {
    }

    /** True when {@code dig} runs here. */
    static boolean available() {
        try {
            Process p = new ProcessBuilder("dig", "-v").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * One dig run against {@code server}: {@code args} are dig's (name, type, +options); one try, five
     * seconds, so a lost answer fails the test rather than hanging it.
     */
    static Result ask(InetSocketAddress server, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("dig", "@" + server.getAddress().getHostAddress(),
                "-p", String.valueOf(server.getPort()), "+tries=1", "+time=5"));
        cmd.addAll(Arrays.asList(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("dig did not finish: " + cmd);
        }
        return Result.parse(String.join(" ", cmd), out);
    }

    /** {@link #ask} with dig's source address set ({@code -b}), to be seen as another client. */
    static Result askFrom(String source, InetSocketAddress server, String... args)
            throws IOException, InterruptedException {
        List<String> all = new ArrayList<>(List.of("-b", source));
        all.addAll(Arrays.asList(args));
        return ask(server, all.toArray(String[]::new));
    }

    /**
     * What dig printed.
     *
     * @param command  the command line, for messages
     * @param output   everything dig printed
     * @param status   the response code (NOERROR, NXDOMAIN, ...), or null when there was no answer
     * @param flags    the header flags (qr, aa, tc, rd, ra)
     * @param sections the records of each section (ANSWER, AUTHORITY, ADDITIONAL), each split in fields
     */
    record Result(String command, String output, String status, Set<String> flags,
                  Map<String, List<String[]>> sections) {

        static Result parse(String command, String output) {
            String status = null;
            Set<String> flags = new TreeSet<>();
            Map<String, List<String[]>> sections = new HashMap<>();
            List<String[]> current = null;
            for (String line : output.split("\n")) {
                Matcher s = STATUS.matcher(line);
                if (s.find()) {
                    status = s.group(2).replace(",", "");
                }
                Matcher f = FLAGS.matcher(line);
                if (f.find()) {
                    flags.addAll(Arrays.asList(f.group(1).trim().split("\\s+")));
                }
                if (line.startsWith(";; ") && line.endsWith(" SECTION:")) {
                    String name = line.substring(3, line.length() - " SECTION:".length());
                    current = name.equals("QUESTION") || name.equals("OPT PSEUDOSECTION") ? null : new ArrayList<>();
                    if (current != null) {
                        sections.put(name, current);
                    }
                } else if (line.isBlank()) {
                    current = null;
                } else if (current != null && !line.startsWith(";")) {
                    current.add(line.trim().split("\\s+", 5));
                }
            }
            return new Result(command, output, status, flags, sections);
        }

        /** The records of a section. */
        List<String[]> section(String name) {
            return sections.getOrDefault(name, List.of());
        }

        /** The rdata of a section's records of one type (A, SRV, TXT, ...). */
        Set<String> data(String section, String type) {
            Set<String> out = new TreeSet<>();
            for (String[] r : section(section)) {
                if (r.length == 5 && r[3].equals(type)) {
                    out.add(r[4]);
                }
            }
            return out;
        }

        /** The rdata of the answer records of one type. */
        Set<String> answers(String type) {
            return data("ANSWER", type);
        }

        /** Fails unless the status is {@code expected}. */
        Result expectStatus(String expected) {
            assertTrue(expected.equals(status), () -> "expected " + expected + " from: " + command + "\n" + output);
            return this;
        }

        @Override
        public String toString() {
            return command + "\n" + output;
        }
    }
}
