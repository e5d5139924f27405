package dev.grapevine.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** Example-based tests of {@link Codec}: pinned byte layouts and one case per way a packet is rejected. */
class CodecTest {

    private static final InetSocketAddress A10_0_0_1 = addr(new byte[] {10, 0, 0, 1}, 7946);

    // ---------------------------------------------------------------------------------------------
    // Golden bytes: these pin the format; changing one means a protocol version bump.
    // ---------------------------------------------------------------------------------------------

    @Test
    void pingEncodesToThePinnedByteLayout() throws DecodeException {
        Ping ping = new Ping(300, "b", "a", A10_0_0_1);
        byte[] expected = bytes(
                0x01,                   // version
                0x01,                   // PING
                0xAC, 0x02,             // seq 300 as LEB128
                0x01, 'b',              // target
                0x01, 'a',              // source name
                0x04, 10, 0, 0, 1,      // IPv4 10.0.0.1
                0x1F, 0x0A);            // port 7946, big-endian
        assertArrayEquals(expected, Codec.encodePacket(ping));
        assertEquals(ping, Codec.readSingle(ByteBuffer.wrap(expected)));
    }

    @Test
    void compoundEncodesCountThenLengthPrefixedFrames() throws DecodeException {
        List<byte[]> frames = List.of(Codec.encodeFrame(new Ack(1)), Codec.encodeFrame(new Nack(2)));
        ByteBuffer out = ByteBuffer.allocate(64);
        Codec.writePacket(frames, out);
        byte[] expected = bytes(0x01, 0x09, 0x02, 0x02, 0x03, 0x01, 0x02, 0x04, 0x02);
        assertArrayEquals(expected, sent(out));
        assertEquals(List.of(new Ack(1), new Nack(2)), readAll(expected, false));
    }

    @Test
    void aliveWithIpv6AndTagsEncodesToThePinnedByteLayout() {
        byte[] v6 = new byte[16];
        v6[0] = 0x20;
        v6[1] = 0x01;
        v6[15] = 0x01;
        Alive alive = new Alive(1, "n", addr(v6, 80), Map.of("k", "v"));
        byte[] expected = bytes(0x01, 0x05, 0x01, 0x01, 'n',
                0x06, 0x20, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00, 80,
                0x01, 0x01, 'k', 0x01, 'v');
        assertArrayEquals(expected, Codec.encodePacket(alive));
    }

    @Test
    void negativeSeqRoundTripsAsFiveByteUnsignedVarint() throws DecodeException {
        byte[] packet = Codec.encodePacket(new Ack(-1));
        assertArrayEquals(bytes(0x01, 0x03, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F), packet);
        assertEquals(new Ack(-1), Codec.readSingle(ByteBuffer.wrap(packet)));
    }

    @Test
    void singleFrameListIsWrittenAsAPlainPacketNotACompound() {
        ByteBuffer out = ByteBuffer.allocate(16);
        Codec.writePacket(List.of(Codec.encodeFrame(new Ack(7))), out);
        assertArrayEquals(Codec.encodePacket(new Ack(7)), sent(out));
    }

    // ---------------------------------------------------------------------------------------------
    // Drop reasons
    // ---------------------------------------------------------------------------------------------

    @Test
    void emptyInputIsTruncated() {
        assertReason(DropReason.TRUNCATED, bytes());
        assertReason(DropReason.TRUNCATED, bytes(0x01));
    }

    @Test
    void unknownVersionByteIsUnknownVersion() {
        assertReason(DropReason.UNKNOWN_VERSION, bytes(0x02, 0x03, 0x00));
        assertReason(DropReason.UNKNOWN_VERSION, bytes(0x00, 0x03, 0x00));
    }

    @Test
    void unknownTypeByteIsUnknownType() {
        assertReason(DropReason.UNKNOWN_TYPE, bytes(0x01, 0x00, 0x00));
        assertReason(DropReason.UNKNOWN_TYPE, bytes(0x01, 0x1F, 0x00));
        assertReason(DropReason.UNKNOWN_TYPE, bytes(0x01, 0xFF));
    }

    @Test
    void viewDigestIsEightBigEndianBytes() throws DecodeException {
        byte[] packet = Codec.encodePacket(new Message.ViewDigest(0x0102030405060708L, 300));
        assertArrayEquals(bytes(0x01, 0x0A, 1, 2, 3, 4, 5, 6, 7, 8, 0xAC, 0x02), packet);
        assertEquals(new Message.ViewDigest(0x0102030405060708L, 300),
                Codec.readSingle(java.nio.ByteBuffer.wrap(packet)));
        assertReason(DropReason.TRUNCATED, bytes(0x01, 0x0A, 1, 2, 3));
    }

    @Test
    void unknownTypeInsideCompoundIsSkippedAndCounted() throws DecodeException {
        // A frame of a type a newer version added, between two known ones: the datagram still delivers those.
        byte[] ack = Codec.encodeFrame(new Message.Ack(7));
        byte[] nack = Codec.encodeFrame(new Message.Nack(8));
        byte[] packet = bytes(0x01, 0x09, 0x03, ack.length, ack[0], ack[1], 0x03, 0x1F, 0x05, 0x06,
                nack.length, nack[0], nack[1]);
        List<Message> out = new ArrayList<>();
        assertEquals(1, Codec.readPacket(java.nio.ByteBuffer.wrap(packet), false, out::add));
        assertEquals(List.of(new Message.Ack(7), new Message.Nack(8)), out);
        // A plain packet of an unknown type is still refused whole.
        assertReason(DropReason.UNKNOWN_TYPE, bytes(0x01, 0x1F, 0x05, 0x06));
    }

    @Test
    void pruneIntentIsALeaveIntentBodyUnderItsOwnType() throws DecodeException {
        Message.LeaveIntent prune = new Message.LeaveIntent(300, "node7", true);
        byte[] packet = Codec.encodePacket(prune);
        assertEquals(MessageType.PRUNE_INTENT, prune.type());
        assertEquals(17, packet[1]);
        byte[] plain = Codec.encodePacket(new Message.LeaveIntent(300, "node7"));
        assertEquals(MessageType.LEAVE_INTENT.code, plain[1]);
        assertArrayEquals(java.util.Arrays.copyOfRange(plain, 2, plain.length),
                java.util.Arrays.copyOfRange(packet, 2, packet.length), "same body");
        assertEquals(prune, Codec.readSingle(java.nio.ByteBuffer.wrap(packet)));
        assertEquals(new Message.LeaveIntent(300, "node7", false), Codec.readSingle(java.nio.ByteBuffer.wrap(plain)));
    }

    @Test
    void trailingBytesAfterTheFrameAreMalformed() {
        assertReason(DropReason.MALFORMED, bytes(0x01, 0x03, 0x00, 0x00));
    }

    @Test
    void nestedCompoundIsMalformed() {
        byte[] inner = bytes(0x09, 0x01, 0x02, 0x03, 0x00);
        byte[] packet = concat(bytes(0x01, 0x09, 0x01, inner.length), inner);
        assertReason(DropReason.MALFORMED, packet);
    }

    @Test
    void innerFrameWithBytesItsBodyDoesNotUseIsMalformed() {
        // Length 3 around an ACK whose body is one byte: one byte left over inside the frame.
        assertReason(DropReason.MALFORMED, bytes(0x01, 0x09, 0x01, 0x03, 0x03, 0x00, 0x00));
    }

    @Test
    void innerFrameShorterThanItsBodyIsMalformedNotTruncated() {
        // Length 2 around a SUSPECT: the packet is complete, the frame contradicts its own length.
        assertReason(DropReason.MALFORMED, bytes(0x01, 0x09, 0x01, 0x02, 0x06, 0x00, 0x01, 'a', 0x01, 'b'));
    }

    @Test
    void innerFrameLengthBeyondThePacketIsTruncated() {
        assertReason(DropReason.TRUNCATED, bytes(0x01, 0x09, 0x01, 0x05, 0x03, 0x00));
    }

    @Test
    void emptyInnerFrameIsMalformed() {
        assertReason(DropReason.MALFORMED, bytes(0x01, 0x09, 0x02, 0x00, 0x02, 0x03, 0x00, 0x03, 0x00));
    }

    @Test
    void compoundWithZeroFramesIsMalformed() {
        assertReason(DropReason.MALFORMED, bytes(0x01, 0x09, 0x00));
    }

    @Test
    void compoundWithMoreThan255FramesIsMalformed() {
        // 256 ACK entries are really there, so the count is rejected for its value, not for lack of bytes.
        ByteBuffer b = ByteBuffer.allocate(4 + 256 * 3);
        b.put((byte) 1).put((byte) 9).put((byte) 0x80).put((byte) 0x02);
        for (int i = 0; i < 256; i++) {
            b.put((byte) 2).put((byte) 3).put((byte) 0);
        }
        assertReason(DropReason.MALFORMED, b.array());
    }

    @Test
    void compoundCountBeyondWhatThePacketCanHoldIsTruncated() {
        assertReason(DropReason.TRUNCATED, bytes(0x01, 0x09, 0x05, 0x02, 0x03, 0x00));
    }

    @Test
    void flagByteOtherThanZeroOrOneIsMalformed() {
        byte[] packet = Codec.encodePacket(
                new IndirectPing(1, "t", A10_0_0_1, true, "s", A10_0_0_1));
        int nackAt = 2 + 1 + 2 + 7; // version, type, seq, target, target address
        assertEquals(1, packet[nackAt]);
        packet[nackAt] = 2;
        assertReason(DropReason.MALFORMED, packet);
        assertReason(DropReason.MALFORMED, bytes(0x01, 0x08, 0x02, 0x00), true);
    }

    @Test
    void invalidUtf8InANameIsMalformed() {
        assertReason(DropReason.MALFORMED, suspectWithRawNode(0xFF));
        assertReason(DropReason.MALFORMED, suspectWithRawNode(0xC0, 0x80));       // overlong NUL
        assertReason(DropReason.MALFORMED, suspectWithRawNode(0xED, 0xA0, 0x80)); // encoded surrogate
        assertReason(DropReason.MALFORMED, suspectWithRawNode(0xF4, 0x90, 0x80, 0x80)); // above U+10FFFF
        assertReason(DropReason.MALFORMED, suspectWithRawNode('a', 0xE2, 0x82)); // cut-off sequence
    }

    @Test
    void invalidUtf8IsMalformedInDirectBuffersToo() {
        byte[] packet = suspectWithRawNode(0xC3, 0x28);
        ByteBuffer direct = ByteBuffer.allocateDirect(packet.length).put(packet).flip();
        DecodeException e = assertThrows(DecodeException.class, () -> Codec.readSingle(direct));
        assertEquals(DropReason.MALFORMED, e.reason());
    }

    @Test
    void emptyNameIsMalformed() {
        assertReason(DropReason.MALFORMED, bytes(0x01, 0x06, 0x00, 0x00, 0x01, 'b'));
        assertReason(DropReason.MALFORMED, bytes(0x01, 0x07, 0x00, 0x01, 'a', 0x00));
    }

    @Test
    void negativeIncarnationEncodedAsTenByteVarintIsMalformed() {
        // Long.MIN_VALUE's bit pattern: 63 zero bits then a 1, the largest well-formed 64-bit varint.
        byte[] minValue = bytes(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01);
        assertReason(DropReason.MALFORMED, suspectWithIncarnation(minValue));
        byte[] minusOne = bytes(0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01);
        assertReason(DropReason.MALFORMED, suspectWithIncarnation(minusOne));
    }

    @Test
    void longVarintBeyond64BitsIsMalformed() {
        byte[] tenthByteTooBig = bytes(0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02);
        assertReason(DropReason.MALFORMED, suspectWithIncarnation(tenthByteTooBig));
        byte[] elevenBytes = bytes(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00);
        assertReason(DropReason.MALFORMED, suspectWithIncarnation(elevenBytes));
    }

    @Test
    void intVarintBeyond32BitsIsMalformed() {
        assertReason(DropReason.MALFORMED, bytes(0x01, 0x03, 0xFF, 0xFF, 0xFF, 0xFF, 0x10));
        assertReason(DropReason.MALFORMED, bytes(0x01, 0x03, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00));
    }

    @Test
    void nonMinimalVarintIsMalformed() {
        assertReason(DropReason.MALFORMED, bytes(0x01, 0x03, 0x80, 0x00));
        assertReason(DropReason.MALFORMED, suspectWithIncarnation(bytes(0x81, 0x80, 0x00)));
    }

    @Test
    void varintCutOffByTheEndOfInputIsTruncated() {
        assertReason(DropReason.TRUNCATED, bytes(0x01, 0x03, 0x80));
    }

    @Test
    void stringLengthBeyondInputIsTruncatedNotAllocated() {
        // Declares a 2^31-byte node name in an 9-byte packet.
        assertReason(DropReason.TRUNCATED, bytes(0x01, 0x06, 0x00, 0x80, 0x80, 0x80, 0x80, 0x08, 'a'));
        // The largest 32-bit length, 2^32-1.
        assertReason(DropReason.TRUNCATED, bytes(0x01, 0x06, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 'a'));
    }

    @Test
    void tagCountBeyondInputIsTruncatedNotAllocated() {
        byte[] packet = concat(aliveHead(), bytes(0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0x00, 0x00));
        assertReason(DropReason.TRUNCATED, packet);
    }

    @Test
    void duplicateTagKeyIsMalformed() {
        byte[] packet = concat(aliveHead(), bytes(0x02, 0x01, 'k', 0x01, '1', 0x01, 'k', 0x01, '2'));
        assertReason(DropReason.MALFORMED, packet);
    }

    @Test
    void emptyTagKeysAndValuesAreAllowed() throws DecodeException {
        Alive alive = new Alive(0, "n", A10_0_0_1, Map.of("", ""));
        assertEquals(alive, Codec.readSingle(ByteBuffer.wrap(Codec.encodePacket(alive))));
    }

    @Test
    void unknownAddressFamilyIsMalformed() {
        assertReason(DropReason.MALFORMED, bytes(0x01, 0x05, 0x00, 0x01, 'n', 0x05, 1, 2, 3, 4, 0, 80, 0x00));
    }

    @Test
    void addressCutOffIsTruncated() {
        assertReason(DropReason.TRUNCATED, bytes(0x01, 0x05, 0x00, 0x01, 'n', 0x06, 1, 2, 3, 4, 0, 80, 0x00));
    }

    @Test
    void unknownMemberStateByteIsMalformed() {
        PushPull pp = new PushPull(false, List.of(new MemberState("m", A10_0_0_1, Map.of(), 3, WireState.LEFT)));
        byte[] packet = Codec.encodePacket(pp);
        // The state byte precedes the empty event-layer state (three zero clocks and two zero counts).
        int at = packet.length - 6;
        assertEquals(WireState.LEFT.ordinal(), packet[at]);
        packet[at] = 4;
        assertReason(DropReason.MALFORMED, packet, true);
    }

    @Test
    void pushPullMemberCountOfIntMaxInTinyPacketIsRejectedBeforeAllocating() {
        byte[] packet = new byte[20];
        byte[] head = bytes(0x01, 0x08, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0x07);
        System.arraycopy(head, 0, packet, 0, head.length);
        assertReason(DropReason.TRUNCATED, packet, true);
    }

    @Test
    void pushPullIsMalformedWhereNotAllowedAndAcceptedOnStreams() throws DecodeException {
        PushPull pp = new PushPull(true, List.of(new MemberState("m", A10_0_0_1, Map.of("r", "db"), 9,
                WireState.SUSPECT)));
        byte[] packet = Codec.encodePacket(pp);
        assertReason(DropReason.MALFORMED, packet, false);
        assertEquals(List.of(pp), readAll(packet, true));
        assertEquals(pp, Codec.readSingle(ByteBuffer.wrap(packet)));
        byte[] compound = compound(Codec.encodeFrame(new Ack(1)), Codec.encodeFrame(pp));
        assertReason(DropReason.MALFORMED, compound, false);
        assertEquals(List.of(new Ack(1), pp), readAll(compound, true));
    }

    @Test
    void readSingleRejectsACompound() {
        byte[] packet = compound(Codec.encodeFrame(new Ack(1)), Codec.encodeFrame(new Ack(2)));
        DecodeException e = assertThrows(DecodeException.class, () -> Codec.readSingle(ByteBuffer.wrap(packet)));
        assertEquals(DropReason.MALFORMED, e.reason());
    }

    // ---------------------------------------------------------------------------------------------
    // Delivery and buffer behaviour
    // ---------------------------------------------------------------------------------------------

    @Test
    void compoundWithABadLaterFrameDeliversNothing() {
        byte[] bad = bytes(0x06, 0x00, 0x01, 0xFF, 0x01, 'b'); // SUSPECT with invalid UTF-8
        byte[] packet = compound(Codec.encodeFrame(new Ack(1)), Codec.encodeFrame(new Ack(2)), bad);
        List<Message> delivered = new ArrayList<>();
        assertThrows(DecodeException.class, () -> Codec.readPacket(ByteBuffer.wrap(packet), false, delivered::add));
        assertEquals(List.of(), delivered);
    }

    @Test
    void successConsumesTheBufferAndFailureLeavesItsPositionAlone() throws DecodeException {
        byte[] good = Codec.encodePacket(new Ack(5));
        ByteBuffer in = ByteBuffer.wrap(concat(bytes(0xEE, 0xEE), good));
        in.position(2);
        assertEquals(new Ack(5), Codec.readSingle(in));
        assertEquals(in.limit(), in.position());

        ByteBuffer bad = ByteBuffer.wrap(bytes(0xEE, 0x01, 0x03, 0x80));
        bad.position(1);
        assertThrows(DecodeException.class, () -> Codec.readPacket(bad, false, m -> { }));
        assertEquals(1, bad.position());
    }

    @Test
    void decodesFromReadOnlySlicedAndDirectBuffers() throws DecodeException {
        Alive alive = new Alive(42, "n\u00e9\uD83D\uDE00", A10_0_0_1, Map.of("zone", "\u00fc"));
        byte[] packet = Codec.encodePacket(alive);
        byte[] padded = concat(bytes(0xEE, 0xEE, 0xEE), packet);
        ByteBuffer sliced = ByteBuffer.wrap(padded).position(3).slice();
        assertEquals(alive, Codec.readSingle(sliced));
        assertEquals(alive, Codec.readSingle(ByteBuffer.wrap(packet).asReadOnlyBuffer()));
        assertEquals(alive, Codec.readSingle(ByteBuffer.allocateDirect(packet.length).put(packet).flip()));
    }

    @Test
    void decodedTagsAreUnmodifiableAndKeepWireOrder() throws DecodeException {
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put("z", "1");
        tags.put("a", "2");
        tags.put("m", "3");
        Alive alive = (Alive) Codec.readSingle(ByteBuffer.wrap(
                Codec.encodePacket(new Alive(1, "n", A10_0_0_1, tags))));
        assertEquals(List.of("z", "a", "m"), new ArrayList<>(alive.tags().keySet()));
        assertThrows(UnsupportedOperationException.class, () -> alive.tags().put("x", "y"));
    }

    @Test
    void ipv4MappedIpv6AddressDecodesAsIpv4() throws DecodeException {
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xFF;
        mapped[11] = (byte) 0xFF;
        mapped[12] = 10;
        mapped[15] = 1;
        byte[] packet = concat(bytes(0x01, 0x05, 0x00, 0x01, 'n', 0x06), mapped, bytes(0x1F, 0x0A, 0x00));
        Alive alive = (Alive) Codec.readSingle(ByteBuffer.wrap(packet));
        assertInstanceOf(Inet4Address.class, alive.address().getAddress());
        assertEquals(A10_0_0_1, alive.address());
    }

    @Test
    void decodeExceptionCarriesNoStackTrace() {
        DecodeException e = new DecodeException(DropReason.MALFORMED, "x");
        assertEquals(0, e.getStackTrace().length);
        assertEquals(DropReason.MALFORMED, e.reason());
    }

    // ---------------------------------------------------------------------------------------------
    // Encoding preconditions
    // ---------------------------------------------------------------------------------------------

    @Test
    void encodingAnUnresolvedAddressIsRejected() {
        InetSocketAddress unresolved = InetSocketAddress.createUnresolved("node.example.invalid", 7946);
        assertThrows(IllegalArgumentException.class,
                () -> Codec.encodePacket(new Ping(1, "t", "s", unresolved)));
    }

    @Test
    void encodingANegativeIncarnationIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> Codec.encodeFrame(new Suspect(-1, "a", "b")));
        assertThrows(IllegalArgumentException.class, () -> Codec.encodeFrame(new PushPull(false,
                List.of(new MemberState("m", A10_0_0_1, Map.of(), -5, WireState.ALIVE)))));
    }

    @Test
    void encodingAnEmptyNameIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> Codec.encodeFrame(new Dead(1, "", "b")));
    }

    @Test
    void encodingAnUnpairedSurrogateIsRejectedRatherThanReplaced() {
        assertThrows(IllegalArgumentException.class, () -> Codec.encodeFrame(new Dead(1, "a\uD800", "b")));
        assertThrows(IllegalArgumentException.class, () -> Codec.encodeFrame(new Dead(1, "a", "\uDC00b")));
    }

    @Test
    void packetThatDoesNotFitOverflowsWithoutWritingAnything() {
        ByteBuffer out = ByteBuffer.allocate(8);
        out.put((byte) 0x55);
        Ping ping = new Ping(1, "target", "source", A10_0_0_1);
        assertThrows(BufferOverflowException.class, () -> Codec.writePacket(ping, out));
        assertThrows(BufferOverflowException.class, () -> Codec.writeFrame(ping, out));
        assertThrows(BufferOverflowException.class, () -> Codec.writePacket(
                List.of(Codec.encodeFrame(ping), Codec.encodeFrame(ping)), out));
        assertEquals(1, out.position());
        assertArrayEquals(new byte[7], Arrays.copyOfRange(out.array(), 1, 8));
    }

    @Test
    void writePacketRejectsZeroOrTooManyOrEmptyFrames() {
        ByteBuffer out = ByteBuffer.allocate(4096);
        assertThrows(IllegalArgumentException.class, () -> Codec.writePacket(List.of(), out));
        assertThrows(IllegalArgumentException.class,
                () -> Codec.writePacket(Collections.nCopies(256, Codec.encodeFrame(new Ack(1))), out));
        assertThrows(IllegalArgumentException.class, () -> Codec.writePacket(List.of(new byte[0]), out));
        assertEquals(0, out.position());
    }

    @Test
    void fullCompoundFitsTheAdvertisedHeaderAndEntryOverheads() throws DecodeException {
        byte[] frame = Codec.encodeFrame(new Ack(1));
        List<byte[]> frames = Collections.nCopies(255, frame);
        ByteBuffer out = ByteBuffer.allocate(Codec.compoundHeaderSize()
                + 255 * (Codec.compoundEntryOverhead(frame.length) + frame.length));
        Codec.writePacket(frames, out);
        assertEquals(out.capacity(), out.position());
        assertEquals(255, readAll(sent(out), false).size());
    }

    @Test
    void varintSizesMatchLeb128() {
        assertEquals(1, Codec.varintSize(0));
        assertEquals(1, Codec.varintSize(127));
        assertEquals(2, Codec.varintSize(128));
        assertEquals(5, Codec.varintSize(0xFFFF_FFFFL));
        assertEquals(5, Codec.varintSize(0x7_FFFF_FFFFL)); // 35 bits
        assertEquals(6, Codec.varintSize(0x8_0000_0000L));
        assertEquals(9, Codec.varintSize(Long.MAX_VALUE)); // 63 bits
        assertEquals(10, Codec.varintSize(Long.MIN_VALUE));
        assertEquals(10, Codec.varintSize(-1));
        assertEquals(4, Codec.compoundHeaderSize());
        assertEquals(1, Codec.compoundEntryOverhead(127));
        assertEquals(2, Codec.compoundEntryOverhead(128));
    }

    @Test
    void everyMessageTypeRoundTrips() throws DecodeException {
        InetSocketAddress v6 = addr(new byte[] {0x20, 0x01, 0x0d, (byte) 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9},
                65535);
        List<Message> all = List.of(
                new Ping(Integer.MIN_VALUE, "t", "s", v6),
                new IndirectPing(7, "t", A10_0_0_1, false, "s", v6),
                new Ack(0),
                new Nack(Integer.MAX_VALUE),
                new Alive(Long.MAX_VALUE, "n", v6, Map.of("a", "b", "c", "")),
                new Suspect(0, "n", "f"),
                new Dead(5, "n", "n"),
                new PushPull(false, List.of()));
        for (Message m : all) {
            assertEquals(List.of(m), readAll(Codec.encodePacket(m), true), m.toString());
        }
        assertTrue(((Dead) all.get(6)).isLeave());
    }

    // ---------------------------------------------------------------------------------------------
    // Helpers
    // ---------------------------------------------------------------------------------------------

    private static void assertReason(DropReason expected, byte[] packet) {
        assertReason(expected, packet, false);
    }

    private static void assertReason(DropReason expected, byte[] packet, boolean allowPushPull) {
        List<Message> delivered = new ArrayList<>();
        DecodeException e = assertThrows(DecodeException.class,
                () -> Codec.readPacket(ByteBuffer.wrap(packet), allowPushPull, delivered::add));
        assertEquals(expected, e.reason(), e.toString());
        assertEquals(List.of(), delivered);
    }

    private static List<Message> readAll(byte[] packet, boolean allowPushPull) throws DecodeException {
        List<Message> out = new ArrayList<>();
        Codec.readPacket(ByteBuffer.wrap(packet), allowPushPull, out::add);
        return out;
    }

    private static byte[] compound(byte[]... frames) {
        ByteBuffer out = ByteBuffer.allocate(4096);
        Codec.writePacket(List.of(frames), out);
        return sent(out);
    }

    /** A SUSPECT packet at incarnation 0 whose node name is the given raw bytes. */
    private static byte[] suspectWithRawNode(int... raw) {
        return concat(bytes(0x01, 0x06, 0x00, raw.length), bytes(raw), bytes(0x01, 'f'));
    }

    /** A SUSPECT packet whose incarnation is the given raw varint bytes. */
    private static byte[] suspectWithIncarnation(byte[] varint) {
        return concat(bytes(0x01, 0x06), varint, bytes(0x01, 'n', 0x01, 'f'));
    }

    /** An ALIVE packet up to, not including, its tags. */
    private static byte[] aliveHead() {
        return bytes(0x01, 0x05, 0x00, 0x01, 'n', 0x04, 10, 0, 0, 1, 0x1F, 0x0A);
    }

    private static byte[] sent(ByteBuffer out) {
        return Arrays.copyOf(out.array(), out.position());
    }

    private static byte[] bytes(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return b;
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        ByteBuffer b = ByteBuffer.allocate(n);
        for (byte[] p : parts) {
            b.put(p);
        }
        return b.array();
    }

    private static InetSocketAddress addr(byte[] ip, int port) {
        try {
            return new InetSocketAddress(InetAddress.getByAddress(ip), port);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
