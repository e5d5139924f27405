package dev.grapevine.snapshot;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.zip.CRC32;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An append-only snapshot of what a node knows about its cluster, so that after a restart it can rejoin its
 * previous peers without a join address and skip user events and queries it already saw (Serf's snapshot, in a
 * format of our own).
 *
 * <h2>File format</h2>
 * UTF-8 text (in fact pure printable ASCII), one record per line, every line ended by {@code '\n'}:
 * <pre>
 * alive &lt;name&gt; &lt;address&gt; *&lt;crc&gt;     a member seen alive, at that address
 * not-alive &lt;name&gt; *&lt;crc&gt;          a member failed, left or was reaped
 * clock &lt;n&gt; *&lt;crc&gt;                 the member Lamport clock
 * event-clock &lt;n&gt; *&lt;crc&gt;           the user-event Lamport clock
 * query-clock &lt;n&gt; *&lt;crc&gt;           the query Lamport clock
 * leave *&lt;crc&gt;                     this node left the cluster gracefully
 * </pre>
 * for example {@code alive node%201 127.0.0.1:7946 *15e6e226} (member "node 1"). Fields are separated by exactly
 * one space.
 * <ul>
 *   <li>{@code <crc>} is the CRC32 of every byte of the line before {@code " *"}, as 8 lowercase hex digits, so
 *       a torn or damaged line is detected on its own and the others still count.</li>
 *   <li>{@code <name>} is percent-encoded: every byte of its UTF-8 form outside {@code '!'..'~'}, and
 *       {@code '%'} itself, becomes {@code %XX} (uppercase hex), so spaces, control characters and non-ASCII
 *       never appear raw. Names are never empty.</li>
 *   <li>{@code <address>} is {@code a.b.c.d:port} or {@code [v6]:port} (the IPv6 text may end with a
 *       {@code %scope}), percent-encoded the same way (so a scope's {@code '%'} is written {@code %25}). Only IP
 *       literals: recovery never resolves a name.</li>
 *   <li>{@code <n>} is a non-negative decimal {@code long}.</li>
 * </ul>
 *
 * <h2>Recovery</h2>
 * {@link #open} replays the lines in order: {@code alive} maps the name to its address (and clears an earlier
 * {@code leave}: the node rejoined later), {@code not-alive} removes the name, each clock keeps the maximum it
 * has seen, and {@code leave} sets {@link Recovered#left()} and forgets every member (after a graceful leave
 * Serf does not rejoin unless asked). A line that is torn (no {@code '\n'} at end of file), fails its checksum or
 * does not parse is logged at WARN (file, line number, escaped excerpt), described in
 * {@link Recovered#problems()} and skipped; later lines still count. Bad content never throws; only real I/O
 * errors do. A torn last line, the usual trace of a crash in mid-write, is cut off the file at open so that new
 * records start on a fresh line (it has been logged); other bad lines stay until the next compaction.
 *
 * <h2>Writing</h2>
 * The record methods only update the in-memory state and append a line to an in-memory buffer: they do no I/O
 * and are cheap. {@link #flush()} writes the buffer and forces it to the device; the owner calls it on a short
 * interval (for example every 500 ms) and {@link #close()} calls it. Records that would change nothing (an alive
 * member at the address already known, a not-alive for an unknown member, a clock that does not grow, a second
 * leave) are not written.
 *
 * <h2>Compaction</h2>
 * When appending the buffer would take the file past its limit, {@link #flush()} instead rewrites the file from
 * the in-memory state (which is exactly what recovery would compute): into {@code <file>.tmp} in the same
 * directory, forced, then atomically renamed over the file, and appending continues on the new file. The limit is
 * {@code compactThresholdBytes}, or twice the size of the last compacted file when that is larger, so that a
 * state bigger than the threshold does not compact on every flush. Buffered records that would not fit are
 * dropped from the buffer at once, since the compaction will write them anyway: memory stays bounded even if
 * the owner flushes late.
 *
 * <h2>Threading</h2>
 * Meant for one owner thread (the node's protocol thread) that serializes its calls; the methods are
 * synchronized only so that a flush from a timer thread is safe too. One {@code Snapshotter} per file: two
 * writers on one file would interleave lines.
 */
public final class Snapshotter implements Closeable {

    private static final Logger log = LoggerFactory.getLogger(Snapshotter.class);

    /** Longest line written or read; names are bounded by the packet size, far below this. */
    static final int MAX_LINE_BYTES = 64 * 1024;

    private static final int EXCERPT_CHARS = 200;

    private final Path file;
    private final Path tempFile;
    private final long compactThreshold;
    private final Recovered recovered;

    // The current state: what recovery of the file plus the buffer would compute.
    private final Map<String, InetSocketAddress> alive = new LinkedHashMap<>();
    private long memberClock;
    private long eventClock;
    private long queryClock;
    private boolean left;

    private FileChannel channel;
    private long fileSize;
    private long limit;
    private final StringBuilder buffer = new StringBuilder();
    // True when the file must be rewritten from the state: over its limit, or a failed write left it unknown.
    private boolean compactPending;
    private boolean closed;

    private Snapshotter(Path file, long compactThreshold, FileChannel channel, long fileSize, Replay replay) {
        this.file = file;
        this.tempFile = tempFileOf(file);
        this.compactThreshold = compactThreshold;
        this.limit = compactThreshold;
        this.channel = channel;
        this.fileSize = fileSize;
        this.recovered = new Recovered(replay.alive, replay.memberClock, replay.eventClock, replay.queryClock,
                replay.left, replay.problems);
        alive.putAll(replay.alive);
        memberClock = replay.memberClock;
        eventClock = replay.eventClock;
        queryClock = replay.queryClock;
        left = replay.left;
        // A file recovered over its threshold is compacted at the first flush.
        compactPending = fileSize > compactThreshold;
    }

    private static Path tempFileOf(Path file) {
        return file.resolveSibling(file.getFileName() + ".tmp");
    }

    /**
     * Opens {@code file}, creating it if absent, recovers what it holds (see {@link #recovered()}) and appends to it
     * from then on.
     *
     * @param file                  the snapshot file; its directory must exist
     * @param compactThresholdBytes the size past which the file is rewritten from the current state; positive
     * @return the open snapshotter, its {@link #recovered()} state loaded
     * @throws IOException              if the file cannot be created, read or written (the message names it)
     * @throws IllegalArgumentException if the threshold is not positive
     */
    public static Snapshotter open(Path file, long compactThresholdBytes) throws IOException {
        Objects.requireNonNull(file, "file");
        if (compactThresholdBytes <= 0) {
            throw new IllegalArgumentException("compactThresholdBytes must be positive: " + compactThresholdBytes);
        }
        Replay replay = new Replay(file);
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new IOException("cannot open snapshot file " + file + ": " + e, e);
        }
        try {
            long size = replay.readAll(ch);
            if (replay.goodLength < size) {
                // Torn tail (already reported): cut it so the next record starts on a fresh line.
                ch.truncate(replay.goodLength);
                ch.force(true);
                size = replay.goodLength;
            }
            ch.position(size);
            // A temp file left by a crash during compaction is incomplete by definition.
            Files.deleteIfExists(tempFileOf(file));
            return new Snapshotter(file, compactThresholdBytes, ch, size, replay);
        } catch (IOException | RuntimeException e) {
            closeQuietly(ch);
            if (e instanceof IOException io) {
                throw new IOException("cannot recover snapshot file " + file + ": " + io, io);
            }
            throw e;
        }
    }

    /** What the file held when it was opened (unmodifiable). */
    public synchronized Recovered recovered() {
        return recovered;
    }

    /**
     * Records that {@code name} is alive at {@code address}; clears the leave marker (the node rejoined).
     *
     * @throws IllegalArgumentException if the name is empty or not valid UTF-16 (an unpaired surrogate), or the
     *                                  address is unresolved (the snapshot stores IP addresses only)
     * @throws IllegalStateException    after {@link #close()}
     */
    public synchronized void aliveMember(String name, InetSocketAddress address) {
        String encodedName = encodeName(name);
        Objects.requireNonNull(address, "address");
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("unresolved address " + address.getHostString() + ":"
                    + address.getPort());
        }
        checkOpen();
        if (!left && address.equals(alive.get(name))) {
            return;
        }
        alive.put(name, address);
        left = false;
        append("alive " + encodedName + " " + escape(formatAddress(address)));
    }

    /**
     * Records that {@code name} failed, left or was reaped.
     *
     * @throws IllegalArgumentException if the name is empty or not valid UTF-16
     * @throws IllegalStateException    after {@link #close()}
     */
    public synchronized void notAliveMember(String name) {
        String encodedName = encodeName(name);
        checkOpen();
        if (alive.remove(name) == null) {
            return;
        }
        append("not-alive " + encodedName);
    }

    /**
     * Records the three Lamport clocks; each is written only when it grows (a smaller value is ignored, as recovery
     * keeps the maximum anyway).
     *
     * @throws IllegalArgumentException if a clock is negative
     * @throws IllegalStateException    after {@link #close()}
     */
    public synchronized void clocks(long memberClock, long eventClock, long queryClock) {
        if (memberClock < 0 || eventClock < 0 || queryClock < 0) {
            throw new IllegalArgumentException("negative clock: " + memberClock + ", " + eventClock + ", "
                    + queryClock);
        }
        checkOpen();
        if (memberClock > this.memberClock) {
            this.memberClock = memberClock;
            append("clock " + memberClock);
        }
        if (eventClock > this.eventClock) {
            this.eventClock = eventClock;
            append("event-clock " + eventClock);
        }
        if (queryClock > this.queryClock) {
            this.queryClock = queryClock;
            append("query-clock " + queryClock);
        }
    }

    /**
     * Records that this node left gracefully: after a restart it will not rejoin its old peers by itself.
     * Forgets every alive member, as recovery will.
     *
     * @throws IllegalStateException after {@link #close()}
     */
    public synchronized void leave() {
        checkOpen();
        if (left) {
            return;
        }
        left = true;
        alive.clear();
        append("leave");
    }

    /**
     * Writes the buffered records and forces them to the device, or compacts the file if they would take it past
     * its limit. Does nothing after {@link #close()}. After a failure the next flush rewrites the whole file from
     * the state, so nothing recorded is lost and no half-written line is appended to.
     *
     * @throws IOException if writing, forcing or compacting fails (the message names the file)
     */
    public synchronized void flush() throws IOException {
        if (closed) {
            return;
        }
        if (compactPending) {
            compact();
            return;
        }
        if (buffer.length() == 0) {
            return;
        }
        byte[] bytes = buffer.toString().getBytes(StandardCharsets.US_ASCII);
        buffer.setLength(0);
        try {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                channel.write(b);
            }
            channel.force(false);
            fileSize += bytes.length;
        } catch (IOException | RuntimeException e) {
            // The file may now end in part of a line; only a rewrite from the state is safe.
            compactPending = true;
            throw new IOException("cannot write snapshot file " + file + ": " + e, e);
        }
    }

    /**
     * Flushes and closes the file; later calls do nothing. The file is closed even if the flush fails.
     *
     * @throws IOException if the final flush fails (the records since the last successful flush are lost)
     */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        try {
            flush();
        } finally {
            closed = true;
            buffer.setLength(0);
            closeQuietly(channel);
            channel = null;
        }
    }

    /** The file this snapshotter writes. */
    public Path file() {
        return file;
    }

    /**
     * What a snapshot file held when it was opened.
     *
     * @param aliveMembers members seen alive and not since seen failed or left, by name (unmodifiable)
     * @param memberClock  the highest member Lamport clock recorded, 0 if none
     * @param eventClock   the highest user-event Lamport clock recorded, 0 if none
     * @param queryClock   the highest query Lamport clock recorded, 0 if none
     * @param left         whether this node's last recorded act was a graceful leave
     * @param problems     one description per skipped line (line number and reason), in file order
     */
    public record Recovered(Map<String, InetSocketAddress> aliveMembers, long memberClock, long eventClock,
                            long queryClock, boolean left, List<String> problems) {

        /** Copies the collections, so a {@code Recovered} never changes. */
        public Recovered {
            aliveMembers = Collections.unmodifiableMap(new LinkedHashMap<>(aliveMembers));
            problems = List.copyOf(problems);
        }
    }

    // ------------------------------------------------------------------------------------------------------
    // Writing
    // ------------------------------------------------------------------------------------------------------

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("snapshot " + file + " is closed");
        }
    }

    private void append(String record) {
        if (compactPending) {
            return; // the state holds it, and the coming compaction writes the state
        }
        String line = line(record);
        if (fileSize + buffer.length() + line.length() > limit) {
            // The compaction at the next flush supersedes the buffer: drop it now so memory stays bounded.
            buffer.setLength(0);
            compactPending = true;
            return;
        }
        buffer.append(line);
    }

    private static String line(String record) {
        String line = record + " *" + crcHex(record.getBytes(StandardCharsets.US_ASCII), record.length()) + "\n";
        if (line.length() > MAX_LINE_BYTES) {
            throw new IllegalArgumentException("snapshot record longer than " + MAX_LINE_BYTES + " bytes");
        }
        return line;
    }

    private void compact() throws IOException {
        StringBuilder out = new StringBuilder();
        if (left) {
            out.append(line("leave"));
        }
        for (Map.Entry<String, InetSocketAddress> e : alive.entrySet()) {
            out.append(line("alive " + encodeName(e.getKey()) + " " + escape(formatAddress(e.getValue()))));
        }
        if (memberClock > 0) {
            out.append(line("clock " + memberClock));
        }
        if (eventClock > 0) {
            out.append(line("event-clock " + eventClock));
        }
        if (queryClock > 0) {
            out.append(line("query-clock " + queryClock));
        }
        byte[] bytes = out.toString().getBytes(StandardCharsets.US_ASCII);
        FileChannel next = null;
        boolean moved = false;
        try {
            next = FileChannel.open(tempFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING);
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                next.write(b);
            }
            next.force(true);
            // The open channel follows the file through the rename (same inode): keep appending through it.
            Files.move(tempFile, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            moved = true;
            forceDirectory();
        } catch (IOException | RuntimeException e) {
            if (!moved) {
                closeQuietly(next);
                try {
                    Files.deleteIfExists(tempFile);
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw new IOException("cannot compact snapshot file " + file + ": " + e, e);
            }
            // The rename happened: the new file is in place, only its directory entry may not be durable yet.
            log.debug("Snapshot {}: could not force the directory after compaction", file, e);
        }
        closeQuietly(channel);
        channel = next;
        long before = fileSize;
        fileSize = bytes.length;
        limit = Math.max(compactThreshold, 2L * bytes.length);
        buffer.setLength(0);
        compactPending = false;
        log.debug("Snapshot {} compacted from {} to {} bytes", file, before, fileSize);
    }

    private void forceDirectory() throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (dir == null) {
            return;
        }
        // Makes the rename durable on POSIX systems; some platforms cannot open a directory, which is harmless.
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch == null) {
            return;
        }
        try {
            ch.close();
        } catch (IOException e) {
            log.debug("closing a snapshot channel failed", e);
        }
    }

    // ------------------------------------------------------------------------------------------------------
    // Encoding
    // ------------------------------------------------------------------------------------------------------

    private static String encodeName(String name) {
        if (Objects.requireNonNull(name, "name").isEmpty()) {
            throw new IllegalArgumentException("empty member name");
        }
        return escape(name);
    }

    /** Percent-encodes every UTF-8 byte outside '!'..'~', and '%'; rejects unpaired surrogates. */
    static String escape(String s) {
        ByteBuffer utf8;
        try {
            utf8 = StandardCharsets.UTF_8.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(CharBuffer.wrap(s));
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("not valid UTF-16 (unpaired surrogate): " + excerpt(s), e);
        }
        StringBuilder out = new StringBuilder(utf8.remaining());
        while (utf8.hasRemaining()) {
            int b = utf8.get() & 0xFF;
            if (b > ' ' && b < 0x7F && b != '%') {
                out.append((char) b);
            } else {
                out.append('%').append(HEX_UPPER[b >>> 4]).append(HEX_UPPER[b & 0xF]);
            }
        }
        return out.toString();
    }

    /** Reverses {@link #escape}; throws IllegalArgumentException on a bad escape or invalid UTF-8. */
    static String unescape(String s) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                int hi = i + 2 < s.length() ? Character.digit(s.charAt(i + 1), 16) : -1;
                int lo = hi >= 0 ? Character.digit(s.charAt(i + 2), 16) : -1;
                if (lo < 0) {
                    throw new IllegalArgumentException("bad percent escape at column " + (i + 1));
                }
                bytes.write(hi << 4 | lo);
                i += 2;
            } else {
                bytes.write(c);
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.toByteArray()))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("escaped bytes are not valid UTF-8");
        }
    }

    private static String formatAddress(InetSocketAddress a) {
        InetAddress ip = a.getAddress();
        String host = ip.getHostAddress();
        return (ip instanceof Inet6Address ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    /** Parses an IP literal and port without ever resolving a name. */
    static InetSocketAddress parseAddress(String text) {
        int colon = text.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("address without a port");
        }
        String host = text.substring(0, colon);
        int port = parseNonNegative(text.substring(colon + 1), "port");
        if (port > 65535) {
            throw new IllegalArgumentException("port " + port + " is outside 0-65535");
        }
        InetAddress ip;
        if (host.startsWith("[") && host.endsWith("]")) {
            String v6 = host.substring(1, host.length() - 1);
            // Only hex digits, ':' and '.' (and a scope): InetAddress then parses a literal and never asks DNS.
            if (!v6.matches("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(%[0-9A-Za-z_.\\-]+)?")) {
                throw new IllegalArgumentException("bad IPv6 address '" + v6 + "'");
            }
            try {
                ip = InetAddress.getByName(v6);
            } catch (IOException e) {
                throw new IllegalArgumentException("bad IPv6 address '" + v6 + "': " + e.getMessage());
            }
        } else {
            String[] parts = host.split("\\.", -1);
            if (parts.length != 4) {
                throw new IllegalArgumentException("bad IPv4 address '" + host + "'");
            }
            byte[] b = new byte[4];
            for (int i = 0; i < 4; i++) {
                int v = parseNonNegative(parts[i], "IPv4 address byte");
                if (v > 255) {
                    throw new IllegalArgumentException("bad IPv4 address '" + host + "'");
                }
                b[i] = (byte) v;
            }
            try {
                ip = InetAddress.getByAddress(b);
            } catch (IOException e) {
                throw new IllegalArgumentException("bad IPv4 address '" + host + "'");
            }
        }
        return new InetSocketAddress(ip, port);
    }

    private static int parseNonNegative(String s, String what) {
        long v = parseLong(s, what);
        if (v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(what + " '" + s + "' is too large");
        }
        return (int) v;
    }

    /** Decimal digits only: no sign, no spaces (Long.parseLong alone would take "+5"). */
    private static long parseLong(String s, String what) {
        if (s.isEmpty() || s.length() > 19 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException(what + " '" + excerpt(s) + "' is not a non-negative number");
        }
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " '" + s + "' is too large");
        }
    }

    private static final char[] HEX_UPPER = "0123456789ABCDEF".toCharArray();

    private static String crcHex(byte[] bytes, int length) {
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, length);
        return String.format("%08x", crc.getValue());
    }

    /** Printable ASCII as is, anything else as \xNN, cut to about 200 characters: safe to log. */
    private static String excerpt(byte[] bytes, int length) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < length; i++) {
            if (out.length() >= EXCERPT_CHARS) {
                return out.append("...(").append(length).append(" bytes)").toString();
            }
            int b = bytes[i] & 0xFF;
            if (b >= ' ' && b < 0x7F && b != '\\') {
                out.append((char) b);
            } else {
                out.append("\\x").append(HEX_UPPER[b >>> 4]).append(HEX_UPPER[b & 0xF]);
            }
        }
        return out.toString();
    }

    private static String excerpt(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return excerpt(b, b.length);
    }

    // ------------------------------------------------------------------------------------------------------
    // Recovery
    // ------------------------------------------------------------------------------------------------------

    /** Replays a file line by line with the semantics in the class javadoc. */
    private static final class Replay {
        private final Path file;
        final Map<String, InetSocketAddress> alive = new LinkedHashMap<>();
        long memberClock;
        long eventClock;
        long queryClock;
        boolean left;
        final List<String> problems = new ArrayList<>();
        /** Length of the file up to and including its last '\n'. */
        long goodLength;

        Replay(Path file) {
            this.file = file;
        }

        /** Reads the whole channel from position 0; returns its size. */
        long readAll(FileChannel ch) throws IOException {
            byte[] line = new byte[256];
            int lineLength = 0;
            boolean overlong = false;
            long lineNumber = 1;
            long position = 0;
            ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
            while (true) {
                chunk.clear();
                int n = ch.read(chunk, position);
                if (n < 0) {
                    break;
                }
                position += n;
                chunk.flip();
                while (chunk.hasRemaining()) {
                    byte b = chunk.get();
                    if (b == '\n') {
                        if (overlong) {
                            problem(lineNumber, "line longer than " + MAX_LINE_BYTES + " bytes", line, lineLength);
                        } else {
                            apply(lineNumber, line, lineLength);
                        }
                        lineNumber++;
                        lineLength = 0;
                        overlong = false;
                        goodLength = position - chunk.remaining();
                    } else if (lineLength < MAX_LINE_BYTES) {
                        if (lineLength == line.length) {
                            line = Arrays.copyOf(line, Math.min(MAX_LINE_BYTES, line.length * 2));
                        }
                        line[lineLength++] = b;
                    } else {
                        overlong = true; // keep the first bytes for the excerpt, drop the rest
                    }
                }
            }
            if (lineLength > 0 || overlong) {
                problem(lineNumber, "torn last line (no newline at end of file), cut off", line, lineLength);
            }
            return position;
        }

        private void apply(long lineNumber, byte[] bytes, int length) {
            String reason = check(bytes, length);
            if (reason != null) {
                problem(lineNumber, reason, bytes, length);
                return;
            }
            String record = new String(bytes, 0, length - 10, StandardCharsets.US_ASCII);
            try {
                applyRecord(record);
            } catch (IllegalArgumentException e) {
                problem(lineNumber, e.getMessage(), bytes, length);
            }
        }

        /** Null if the line is printable ASCII ending in a matching " *crc", else why not. */
        private static String check(byte[] bytes, int length) {
            if (length == 0) {
                return "empty line";
            }
            for (int i = 0; i < length; i++) {
                if (bytes[i] < ' ' || bytes[i] == 0x7F) { // negative: non-ASCII
                    return "byte 0x" + Integer.toHexString(bytes[i] & 0xFF) + " at column " + (i + 1)
                            + " (lines are printable ASCII)";
                }
            }
            if (length < 11 || bytes[length - 10] != ' ' || bytes[length - 9] != '*') {
                return "no checksum suffix";
            }
            String stored = new String(bytes, length - 8, 8, StandardCharsets.US_ASCII);
            String actual = crcHex(bytes, length - 10);
            if (!stored.equals(actual)) {
                return "checksum mismatch (stored " + stored + ", computed " + actual + ")";
            }
            return null;
        }

        private void applyRecord(String record) {
            String[] f = record.split(" ", -1);
            switch (f[0]) {
                case "alive" -> {
                    fields(f, 3);
                    String name = name(f[1]);
                    InetSocketAddress address = parseAddress(unescape(f[2]));
                    alive.put(name, address);
                    left = false;
                }
                case "not-alive" -> {
                    fields(f, 2);
                    alive.remove(name(f[1]));
                }
                case "clock" -> {
                    fields(f, 2);
                    memberClock = Math.max(memberClock, parseLong(f[1], "clock"));
                }
                case "event-clock" -> {
                    fields(f, 2);
                    eventClock = Math.max(eventClock, parseLong(f[1], "event clock"));
                }
                case "query-clock" -> {
                    fields(f, 2);
                    queryClock = Math.max(queryClock, parseLong(f[1], "query clock"));
                }
                case "leave" -> {
                    fields(f, 1);
                    left = true;
                    alive.clear();
                }
                default -> throw new IllegalArgumentException("unknown record '" + excerpt(f[0]) + "'");
            }
        }

        private static void fields(String[] f, int expected) {
            if (f.length != expected) {
                throw new IllegalArgumentException("'" + f[0] + "' takes " + expected + " fields, found " + f.length);
            }
        }

        private static String name(String field) {
            String name = unescape(field);
            if (name.isEmpty()) {
                throw new IllegalArgumentException("empty member name");
            }
            return name;
        }

        private void problem(long lineNumber, String reason, byte[] bytes, int length) {
            String text = excerpt(bytes, length);
            log.warn("Snapshot {} line {}: {}, skipped: {}", file, lineNumber, reason, text);
            problems.add("line " + lineNumber + ": " + reason + ": " + text);
        }
    }
}
