package dev.grapevine.wire;

import dev.grapevine.DropReason;
import dev.grapevine.wire.Message.Ack;
import dev.grapevine.wire.Message.Alive;
import dev.grapevine.wire.Message.Dead;
import dev.grapevine.wire.Message.IndirectPing;
import dev.grapevine.wire.Message.MemberState;
import dev.grapevine.wire.Message.Nack;
import dev.grapevine.wire.Message.Ping;
import dev.grapevine.wire.Message.PushPull;
import dev.grapevine.wire.Message.Suspect;
import dev.grapevine.wire.Message.WireState;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Encodes and decodes {@link Message}s in the Grapevine wire format.
 *
 * <h2>Format</h2>
 * <ul>
 *   <li><b>packet</b> (a datagram, or a stream frame's payload): one version byte ({@link #VERSION}), then
 *       exactly one frame, then nothing.</li>
 *   <li><b>frame</b>: one type byte ({@link MessageType#code}), then the body.</li>
 *   <li><b>COMPOUND body</b>: varint count (1..255), then per inner frame a varint length {@code L} and
 *       {@code L} bytes holding exactly one non-compound frame.</li>
 *   <li><b>varint</b>: unsigned LEB128, at most 5 bytes for ints and 10 for longs, minimal form only.
 *       Sequence numbers travel as the unsigned form of their 32 bits; incarnations are non-negative
 *       longs.</li>
 *   <li><b>string</b>: varint byte length, then strict UTF-8. Node names are never empty.</li>
 *   <li><b>bool</b>: one byte, 0 or 1.</li>
 *   <li><b>address</b>: family byte (4 or 6), 4 or 16 address bytes, big-endian unsigned 16-bit port.</li>
 *   <li><b>tags</b>: varint count, then count pairs of key and value strings; keys are unique.</li>
 *   <li>Bodies: PING {@code seq, target, sourceName, source}; INDIRECT_PING
 *       {@code seq, target, targetAddress, nack, sourceName, source}; ACK and NACK {@code seq}; ALIVE
 *       {@code incarnation, node, address, tags}; SUSPECT and DEAD {@code incarnation, node, from};
 *       PUSH_PULL {@code join, count, count × (name, address, tags, incarnation, state byte), serf state}
 *       where serf state is {@code memberClock, eventClock, queryClock, count × user event body,
 *       count × (node, intent clock)}; VIEW_DIGEST {@code digest} as 8 big-endian bytes, {@code eventClock}; JOIN_INTENT,
 *       LEAVE_INTENT and PRUNE_INTENT {@code ltime, node}; USER_EVENT {@code ltime, name, payload bytes, coalesce}; QUERY
 *       {@code ltime, id, sourceName, source, filter names, filter tags, ack, relay factor byte, timeout ms,
 *       name, payload}; QUERY_RESPONSE {@code ltime, id, from, ack, payload}; RELAY
 *       {@code destination, frame bytes}. Byte strings are varint-length-prefixed.</li>
 * </ul>
 *
 * <h2>Safety</h2>
 * Decoding takes arbitrary bytes from the network. It throws nothing but {@link DecodeException} for any
 * input, checks every declared length and count against the bytes actually left before allocating for it,
 * and never resolves a host name. Encoding validates the whole message before writing anything: an invalid
 * message ({@link IllegalArgumentException}) or a buffer too small ({@link BufferOverflowException}) leaves
 * the output buffer untouched.
 *
 * <p>Stateless and thread-safe.
 */
public final class Codec {

    /** The version byte that starts every packet. */
    public static final int VERSION = 1;

    /** The most frames one COMPOUND may hold. */
    private static final int MAX_COMPOUND_FRAMES = 255;

    /** The smallest inner frame with its length prefix: length, type, a one-byte seq (an ACK). */
    private static final int MIN_COMPOUND_ENTRY = 3;

    /**
     * The smallest member state in a PUSH_PULL: a one-byte name with its length (2), an IPv4 address (7),
     * an empty tag count (1), a one-byte incarnation (1) and the state byte (1).
     */
    private static final int MIN_MEMBER_STATE = 12;

    private static final int COMPOUND_CODE = MessageType.COMPOUND.code;

    private Codec() {
    }

    // ------------------------------------------------------------------------------------------------
    // Encoding
    // ------------------------------------------------------------------------------------------------

    /**
     * Writes {@code m} as a packet (version byte, then its frame) at the buffer's position.
     *
     * @throws BufferOverflowException  if the packet does not fit in {@code out.remaining()}; nothing is
     *                                  written then
     * @throws IllegalArgumentException if {@code m} cannot be encoded, see {@link #frameSize}
     */
    public static void writePacket(Message m, ByteBuffer out) {
        int size = 1 + frameSize(m);
        if (out.remaining() < size) {
            throw new BufferOverflowException();
        }
        out.put((byte) VERSION);
        writeValidatedFrame(m, out);
    }

    /**
     * Writes {@code m} as a bare frame (type byte, then body) at the buffer's position, for packing into a
     * compound with {@link #writePacket(List, ByteBuffer)}.
     *
     * @throws BufferOverflowException  if the frame does not fit; nothing is written then
     * @throws IllegalArgumentException if {@code m} cannot be encoded, see {@link #frameSize}
     */
    public static void writeFrame(Message m, ByteBuffer out) {
        int size = frameSize(m);
        if (out.remaining() < size) {
            throw new BufferOverflowException();
        }
        writeValidatedFrame(m, out);
    }

    /**
     * {@code m} as a bare frame in an array of exactly its size.
     *
     * @throws IllegalArgumentException if {@code m} cannot be encoded, see {@link #frameSize}
     */
    public static byte[] encodeFrame(Message m) {
        byte[] frame = new byte[frameSize(m)];
        writeValidatedFrame(m, ByteBuffer.wrap(frame));
        return frame;
    }

    /**
     * {@code m} as a packet (version byte and frame) in an array of exactly its size.
     *
     * @throws IllegalArgumentException if {@code m} cannot be encoded, see {@link #frameSize}
     */
    public static byte[] encodePacket(Message m) {
        byte[] packet = new byte[1 + frameSize(m)];
        ByteBuffer out = ByteBuffer.wrap(packet);
        out.put((byte) VERSION);
        writeValidatedFrame(m, out);
        return packet;
    }

    /**
     * The size of {@code m}'s frame (type byte and body), validating it on the way.
     *
     * @throws IllegalArgumentException if an incarnation is negative, a node name is empty, an address is
     *                                  unresolved, or a string holds an unpaired surrogate (it has no UTF-8
     *                                  form, and a replacement character would change a name)
     * @throws NullPointerException     if a field is null
     */
    public static int frameSize(Message m) {
        return 1 + bodySize(Objects.requireNonNull(m, "message"));
    }

    /**
     * Writes a packet holding the given pre-encoded frames (from {@link #encodeFrame}): a single frame
     * as-is, several as one COMPOUND. The frames are not re-validated.
     *
     * @throws IllegalArgumentException if there are no frames, more than 255, or an empty one
     * @throws BufferOverflowException  if the packet does not fit; nothing is written then
     */
    public static void writePacket(List<byte[]> frames, ByteBuffer out) {
        int n = frames.size();
        if (n == 0 || n > MAX_COMPOUND_FRAMES) {
            throw new IllegalArgumentException("a packet holds 1.." + MAX_COMPOUND_FRAMES + " frames, not " + n);
        }
        if (n == 1) {
            byte[] frame = frames.get(0);
            if (frame.length == 0) {
                throw new IllegalArgumentException("empty frame");
            }
            if (out.remaining() < 1 + frame.length) {
                throw new BufferOverflowException();
            }
            out.put((byte) VERSION).put(frame);
            return;
        }
        int size = 2 + varintSize(n);
        for (byte[] frame : frames) {
            if (frame.length == 0) {
                throw new IllegalArgumentException("empty frame");
            }
            size += compoundEntryOverhead(frame.length) + frame.length;
        }
        if (out.remaining() < size) {
            throw new BufferOverflowException();
        }
        out.put((byte) VERSION).put((byte) COMPOUND_CODE);
        WireWriter.writeVarint(out, n);
        for (byte[] frame : frames) {
            WireWriter.writeVarint(out, frame.length);
            out.put(frame);
        }
    }

    /**
     * The bytes a compound packet spends before its first entry: version, type and frame count. This is
     * the worst case, 4, reached from 128 frames on (the count is a varint); below that it is 3. Packers
     * budget with it before they know the final count, so it must not undercount.
     */
    public static int compoundHeaderSize() {
        return 2 + varintSize(MAX_COMPOUND_FRAMES);
    }

    /** The bytes a compound spends on an entry besides the frame itself: its length prefix. */
    public static int compoundEntryOverhead(int frameLength) {
        return varintSize(frameLength);
    }

    /**
     * The bytes a tag map takes on the wire (count, then each key and value as strings).
     *
     * @throws IllegalArgumentException when a key or value is not encodable (an unpaired surrogate)
     */
    public static int tagsSize(java.util.Map<String, String> tags) {
        return WireWriter.tagsSize(tags);
    }

    /**
     * The bytes of {@code v}'s unsigned varint form, 1..10. For a 32-bit field, pass the unsigned value
     * ({@code Integer.toUnsignedLong}); a negative long takes 10.
     */
    public static int varintSize(long v) {
        return WireWriter.varintSize(v);
    }

    private static int bodySize(Message m) {
        switch (m.type()) {
            case PING: {
                Ping p = (Ping) m;
                return WireWriter.varint32Size(p.seq()) + WireWriter.nameSize(p.target())
                        + WireWriter.nameSize(p.sourceName()) + WireWriter.addressSize(p.source());
            }
            case INDIRECT_PING: {
                IndirectPing p = (IndirectPing) m;
                return WireWriter.varint32Size(p.seq()) + WireWriter.nameSize(p.target())
                        + WireWriter.addressSize(p.targetAddress()) + 1
                        + WireWriter.nameSize(p.sourceName()) + WireWriter.addressSize(p.source());
            }
            case ACK:
                return WireWriter.varint32Size(((Ack) m).seq());
            case NACK:
                return WireWriter.varint32Size(((Nack) m).seq());
            case VIEW_DIGEST:
                return 8 + WireWriter.unsignedSize(((Message.ViewDigest) m).eventClock(), "event clock");
            case ALIVE: {
                Alive a = (Alive) m;
                return WireWriter.incarnationSize(a.incarnation()) + WireWriter.nameSize(a.node())
                        + WireWriter.addressSize(a.address()) + WireWriter.tagsSize(a.tags());
            }
            case SUSPECT: {
                Suspect s = (Suspect) m;
                return WireWriter.incarnationSize(s.incarnation()) + WireWriter.nameSize(s.node())
                        + WireWriter.nameSize(s.from());
            }
            case DEAD: {
                Dead d = (Dead) m;
                return WireWriter.incarnationSize(d.incarnation()) + WireWriter.nameSize(d.node())
                        + WireWriter.nameSize(d.from());
            }
            case PUSH_PULL: {
                List<MemberState> members = ((PushPull) m).members();
                int size = 1 + varintSize(members.size());
                for (MemberState s : members) {
                    size += WireWriter.nameSize(s.name()) + WireWriter.addressSize(s.address())
                            + WireWriter.tagsSize(s.tags()) + WireWriter.incarnationSize(s.incarnation()) + 1;
                    Objects.requireNonNull(s.state(), "state");
                }
                return size + serfStateSize(((PushPull) m).serf());
            }
            case JOIN_INTENT: {
                Message.JoinIntent j = (Message.JoinIntent) m;
                return WireWriter.unsignedSize(j.ltime(), "ltime") + WireWriter.nameSize(j.node());
            }
            case LEAVE_INTENT:
            case PRUNE_INTENT: {
                Message.LeaveIntent l = (Message.LeaveIntent) m;
                return WireWriter.unsignedSize(l.ltime(), "ltime") + WireWriter.nameSize(l.node());
            }
            case USER_EVENT:
                return userEventSize((Message.UserEvent) m);
            case QUERY: {
                Message.Query q = (Message.Query) m;
                if (q.relayFactor() < 0 || q.relayFactor() > 255) {
                    throw new IllegalArgumentException("relay factor " + q.relayFactor() + " outside 0..255");
                }
                return WireWriter.unsignedSize(q.ltime(), "ltime") + WireWriter.varint32Size(q.id())
                        + WireWriter.nameSize(q.sourceName()) + WireWriter.addressSize(q.source())
                        + WireWriter.namesSize(q.filterNodes()) + WireWriter.tagsSize(q.filterTags()) + 1 + 1
                        + WireWriter.unsignedSize(q.timeoutMillis(), "timeout") + WireWriter.nameSize(q.name())
                        + WireWriter.bytesSize(q.payload());
            }
            case QUERY_RESPONSE: {
                Message.QueryResponse r = (Message.QueryResponse) m;
                return WireWriter.unsignedSize(r.ltime(), "ltime") + WireWriter.varint32Size(r.id())
                        + WireWriter.nameSize(r.from()) + 1 + WireWriter.bytesSize(r.payload());
            }
            case RELAY: {
                Message.Relay r = (Message.Relay) m;
                return WireWriter.addressSize(r.destination()) + WireWriter.bytesSize(r.frame());
            }
            default:
                throw new IllegalArgumentException("no body layout for " + m.type());
        }
    }

    private static int userEventSize(Message.UserEvent e) {
        return WireWriter.unsignedSize(e.ltime(), "ltime") + WireWriter.nameSize(e.name())
                + WireWriter.bytesSize(e.payload()) + 1;
    }

    private static int serfStateSize(Message.SerfState s) {
        Objects.requireNonNull(s, "serf state");
        int size = WireWriter.unsignedSize(s.memberClock(), "member clock")
                + WireWriter.unsignedSize(s.eventClock(), "event clock")
                + WireWriter.unsignedSize(s.queryClock(), "query clock") + varintSize(s.events().size());
        for (Message.UserEvent e : s.events()) {
            size += userEventSize(e);
        }
        size += varintSize(s.intentClocks().size());
        for (Map.Entry<String, Long> e : s.intentClocks().entrySet()) {
            size += WireWriter.nameSize(e.getKey()) + WireWriter.unsignedSize(e.getValue(), "intent clock");
        }
        return size;
    }

    private static void writeUserEvent(ByteBuffer out, Message.UserEvent e) {
        WireWriter.writeVarint(out, e.ltime());
        WireWriter.writeString(out, e.name());
        WireWriter.writeBytes(out, e.payload());
        out.put((byte) (e.coalesce() ? 1 : 0));
    }

    private static void writeSerfState(ByteBuffer out, Message.SerfState s) {
        WireWriter.writeVarint(out, s.memberClock());
        WireWriter.writeVarint(out, s.eventClock());
        WireWriter.writeVarint(out, s.queryClock());
        WireWriter.writeVarint(out, s.events().size());
        for (Message.UserEvent e : s.events()) {
            writeUserEvent(out, e);
        }
        WireWriter.writeVarint(out, s.intentClocks().size());
        for (Map.Entry<String, Long> e : s.intentClocks().entrySet()) {
            WireWriter.writeString(out, e.getKey());
            WireWriter.writeVarint(out, e.getValue());
        }
    }

    /** Writes the frame of a message that {@link #bodySize} has validated, into a buffer with room. */
    private static void writeValidatedFrame(Message m, ByteBuffer out) {
        out.put((byte) m.type().code);
        switch (m.type()) {
            case PING: {
                Ping p = (Ping) m;
                WireWriter.writeVarint32(out, p.seq());
                WireWriter.writeString(out, p.target());
                WireWriter.writeString(out, p.sourceName());
                WireWriter.writeAddress(out, p.source());
                break;
            }
            case INDIRECT_PING: {
                IndirectPing p = (IndirectPing) m;
                WireWriter.writeVarint32(out, p.seq());
                WireWriter.writeString(out, p.target());
                WireWriter.writeAddress(out, p.targetAddress());
                out.put((byte) (p.nack() ? 1 : 0));
                WireWriter.writeString(out, p.sourceName());
                WireWriter.writeAddress(out, p.source());
                break;
            }
            case ACK:
                WireWriter.writeVarint32(out, ((Ack) m).seq());
                break;
            case NACK:
                WireWriter.writeVarint32(out, ((Nack) m).seq());
                break;
            case VIEW_DIGEST:
                out.putLong(((Message.ViewDigest) m).digest());
                WireWriter.writeVarint(out, ((Message.ViewDigest) m).eventClock());
                break;
            case ALIVE: {
                Alive a = (Alive) m;
                WireWriter.writeVarint(out, a.incarnation());
                WireWriter.writeString(out, a.node());
                WireWriter.writeAddress(out, a.address());
                WireWriter.writeTags(out, a.tags());
                break;
            }
            case SUSPECT: {
                Suspect s = (Suspect) m;
                WireWriter.writeVarint(out, s.incarnation());
                WireWriter.writeString(out, s.node());
                WireWriter.writeString(out, s.from());
                break;
            }
            case DEAD: {
                Dead d = (Dead) m;
                WireWriter.writeVarint(out, d.incarnation());
                WireWriter.writeString(out, d.node());
                WireWriter.writeString(out, d.from());
                break;
            }
            case PUSH_PULL: {
                PushPull p = (PushPull) m;
                out.put((byte) (p.join() ? 1 : 0));
                WireWriter.writeVarint(out, p.members().size());
                for (MemberState s : p.members()) {
                    WireWriter.writeString(out, s.name());
                    WireWriter.writeAddress(out, s.address());
                    WireWriter.writeTags(out, s.tags());
                    WireWriter.writeVarint(out, s.incarnation());
                    out.put((byte) s.state().ordinal());
                }
                writeSerfState(out, p.serf());
                break;
            }
            case JOIN_INTENT: {
                Message.JoinIntent j = (Message.JoinIntent) m;
                WireWriter.writeVarint(out, j.ltime());
                WireWriter.writeString(out, j.node());
                break;
            }
            case LEAVE_INTENT:
            case PRUNE_INTENT: {
                Message.LeaveIntent l = (Message.LeaveIntent) m;
                WireWriter.writeVarint(out, l.ltime());
                WireWriter.writeString(out, l.node());
                break;
            }
            case USER_EVENT:
                writeUserEvent(out, (Message.UserEvent) m);
                break;
            case QUERY: {
                Message.Query q = (Message.Query) m;
                WireWriter.writeVarint(out, q.ltime());
                WireWriter.writeVarint32(out, q.id());
                WireWriter.writeString(out, q.sourceName());
                WireWriter.writeAddress(out, q.source());
                WireWriter.writeNames(out, q.filterNodes());
                WireWriter.writeTags(out, q.filterTags());
                out.put((byte) (q.ack() ? 1 : 0));
                out.put((byte) q.relayFactor());
                WireWriter.writeVarint(out, q.timeoutMillis());
                WireWriter.writeString(out, q.name());
                WireWriter.writeBytes(out, q.payload());
                break;
            }
            case QUERY_RESPONSE: {
                Message.QueryResponse r = (Message.QueryResponse) m;
                WireWriter.writeVarint(out, r.ltime());
                WireWriter.writeVarint32(out, r.id());
                WireWriter.writeString(out, r.from());
                out.put((byte) (r.ack() ? 1 : 0));
                WireWriter.writeBytes(out, r.payload());
                break;
            }
            case RELAY: {
                Message.Relay r = (Message.Relay) m;
                WireWriter.writeAddress(out, r.destination());
                WireWriter.writeBytes(out, r.frame());
                break;
            }
            default:
                throw new IllegalArgumentException("no body layout for " + m.type());
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Decoding
    // ------------------------------------------------------------------------------------------------

    /**
     * Reads one packet from the buffer's position to its limit and passes each message to {@code sink}:
     * the message of a plain packet, or the inner messages of a COMPOUND in wire order.
     *
     * <p><b>All or nothing:</b> the whole packet is decoded and validated before the first message is
     * delivered, so a corrupt frame late in a compound never lets the frames before it through: the sink
     * sees every message of a packet or none. (A packet holds at most 255 messages, so holding them first
     * costs one small list, and only for compounds.)
     *
     * <p><b>Unknown types inside a compound are skipped,</b> not fatal: an inner frame whose type byte names
     * no message this version knows (one a newer version added, such as a broadcast piggybacked on a probe)
     * is passed over whole, its length prefix saying where it ends, and the other frames are delivered. The
     * return value counts such frames, for the caller to record as {@code UNKNOWN_TYPE} drops. A plain
     * packet of an unknown type still fails with {@code UNKNOWN_TYPE}.
     *
     * <p>On success the buffer's position is moved to its limit, before the sink runs; on failure it is
     * left where it was. An exception thrown by the sink propagates unchanged, and the messages after it
     * are not delivered.
     *
     * @param in            the packet, from position to limit
     * @param allowPushPull whether a PUSH_PULL frame may appear (only on streams); when false, a PUSH_PULL
     *                      anywhere in the packet makes it MALFORMED
     * @param sink          receives the decoded messages
     * @return how many inner frames of an unknown type were skipped (0 for a plain packet)
     * @throws DecodeException if the packet is not one well-formed packet of this version:
     *                         {@code TRUNCATED} if it ends before a field it declares (or is empty),
     *                         {@code UNKNOWN_VERSION}, {@code UNKNOWN_TYPE}, or {@code MALFORMED} for any
     *                         other invalid content, trailing bytes included
     */
    public static int readPacket(ByteBuffer in, boolean allowPushPull, Consumer<Message> sink)
            throws DecodeException {
        Objects.requireNonNull(sink, "sink");
        WireReader r = new WireReader(in);
        readVersion(r);
        MessageType type = readType(r);
        if (type != MessageType.COMPOUND) {
            Message m = readBody(type, r, allowPushPull);
            r.expectEnd();
            in.position(in.limit());
            sink.accept(m);
            return 0;
        }
        int n = r.count("compound frame", MIN_COMPOUND_ENTRY);
        if (n == 0) {
            throw new DecodeException(DropReason.MALFORMED, "empty compound");
        }
        if (n > MAX_COMPOUND_FRAMES) {
            throw new DecodeException(DropReason.MALFORMED, "compound of " + n + " frames");
        }
        List<Message> messages = new ArrayList<>(n);
        int skipped = 0;
        for (int i = 0; i < n; i++) {
            int length = r.length("inner frame");
            if (length == 0) {
                throw new DecodeException(DropReason.MALFORMED, "empty inner frame");
            }
            int outerLimit = r.enterFrame(length);
            MessageType inner = MessageType.fromCode(r.u8("type"));
            if (inner == null) {
                // A type of a newer version: skip it whole, keep the rest of the datagram.
                skipped++;
                r.skipToFrameEnd();
            } else if (inner == MessageType.COMPOUND) {
                throw new DecodeException(DropReason.MALFORMED, "nested compound");
            } else {
                messages.add(readBody(inner, r, allowPushPull));
            }
            r.exitFrame(outerLimit);
        }
        r.expectEnd();
        in.position(in.limit());
        for (Message m : messages) {
            sink.accept(m);
        }
        return skipped;
    }

    /**
     * Reads a packet that must hold exactly one plain frame, as on a stream; PUSH_PULL is allowed.
     * On success the buffer's position is moved to its limit; on failure it is left where it was.
     *
     * @throws DecodeException as {@link #readPacket}, and {@code MALFORMED} for a COMPOUND
     */
    public static Message readSingle(ByteBuffer in) throws DecodeException {
        WireReader r = new WireReader(in);
        readVersion(r);
        MessageType type = readType(r);
        if (type == MessageType.COMPOUND) {
            throw new DecodeException(DropReason.MALFORMED, "compound where a single frame belongs");
        }
        Message m = readBody(type, r, true);
        r.expectEnd();
        in.position(in.limit());
        return m;
    }

    private static void readVersion(WireReader r) throws DecodeException {
        int version = r.u8("version");
        if (version != VERSION) {
            throw new DecodeException(DropReason.UNKNOWN_VERSION, "version " + version);
        }
    }

    private static MessageType readType(WireReader r) throws DecodeException {
        int code = r.u8("type");
        MessageType type = MessageType.fromCode(code);
        if (type == null) {
            throw new DecodeException(DropReason.UNKNOWN_TYPE, "type " + code);
        }
        return type;
    }

    /** Reads the body of a non-compound frame of {@code type}. */
    private static Message readBody(MessageType type, WireReader r, boolean allowPushPull) throws DecodeException {
        switch (type) {
            case PING:
                return new Ping(r.varint32("seq"), r.name("target"), r.name("source name"), r.address("source"));
            case INDIRECT_PING:
                return new IndirectPing(r.varint32("seq"), r.name("target"), r.address("target address"),
                        r.bool("nack"), r.name("source name"), r.address("source"));
            case ACK:
                return new Ack(r.varint32("seq"));
            case NACK:
                return new Nack(r.varint32("seq"));
            case VIEW_DIGEST:
                return new Message.ViewDigest(r.fixed64("digest"), r.unsigned("event clock"));
            case ALIVE:
                return new Alive(r.incarnation(), r.name("node"), r.address("address"), r.tags());
            case SUSPECT:
                return new Suspect(r.incarnation(), r.name("node"), r.name("from"));
            case DEAD:
                return new Dead(r.incarnation(), r.name("node"), r.name("from"));
            case JOIN_INTENT:
                return new Message.JoinIntent(r.unsigned("ltime"), r.name("node"));
            case LEAVE_INTENT:
                return new Message.LeaveIntent(r.unsigned("ltime"), r.name("node"), false);
            case PRUNE_INTENT:
                return new Message.LeaveIntent(r.unsigned("ltime"), r.name("node"), true);
            case USER_EVENT:
                return readUserEvent(r);
            case QUERY:
                return new Message.Query(r.unsigned("ltime"), r.varint32("id"), r.name("source name"),
                        r.address("source"), r.names("filter node"), r.tags(), r.bool("ack"), r.u8("relay factor"),
                        r.unsigned("timeout"), r.name("query name"), r.bytes("payload"));
            case QUERY_RESPONSE:
                return new Message.QueryResponse(r.unsigned("ltime"), r.varint32("id"), r.name("from"),
                        r.bool("ack"), r.bytes("payload"));
            case RELAY:
                return new Message.Relay(r.address("destination"), r.bytes("frame"));
            case PUSH_PULL:
                if (!allowPushPull) {
                    throw new DecodeException(DropReason.MALFORMED, "push-pull not allowed here");
                }
                return readPushPull(r);
            default:
                throw new DecodeException(DropReason.MALFORMED, "no body layout for " + type);
        }
    }

    private static Message.UserEvent readUserEvent(WireReader r) throws DecodeException {
        return new Message.UserEvent(r.unsigned("ltime"), r.name("event name"), r.bytes("payload"),
                r.bool("coalesce"));
    }

    private static Message.SerfState readSerfState(WireReader r) throws DecodeException {
        long memberClock = r.unsigned("member clock");
        long eventClock = r.unsigned("event clock");
        long queryClock = r.unsigned("query clock");
        int n = r.count("event", 5);
        List<Message.UserEvent> events = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            events.add(readUserEvent(r));
        }
        int k = r.count("intent clock", 3);
        Map<String, Long> intents = new java.util.LinkedHashMap<>();
        for (int i = 0; i < k; i++) {
            String node = r.name("intent node");
            if (intents.put(node, r.unsigned("intent clock")) != null) {
                throw new DecodeException(DropReason.MALFORMED, "intent clock for " + node + " twice");
            }
        }
        return new Message.SerfState(memberClock, eventClock, queryClock, Collections.unmodifiableList(events),
                Collections.unmodifiableMap(intents));
    }

    private static PushPull readPushPull(WireReader r) throws DecodeException {
        boolean join = r.bool("join");
        int n = r.count("member", MIN_MEMBER_STATE);
        if (n == 0) {
            return new PushPull(join, List.of(), readSerfState(r));
        }
        List<MemberState> members = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String name = r.name("member name");
            var address = r.address("member address");
            var tags = r.tags();
            long incarnation = r.incarnation();
            int stateByte = r.u8("member state");
            WireState state = WireState.fromByte(stateByte);
            if (state == null) {
                throw new DecodeException(DropReason.MALFORMED, "member state " + stateByte);
            }
            members.add(new MemberState(name, address, tags, incarnation, state));
        }
        return new PushPull(join, Collections.unmodifiableList(members), readSerfState(r));
    }
}
