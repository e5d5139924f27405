package dev.grapevine.dns;

import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** Queries and answers as bytes and messages, for tests. */
final class Dns {

    private Dns() {
    }

    static Name name(String text) {
        try {
            return Name.fromString(text, Name.root);
        } catch (TextParseException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** A query without EDNS. */
    static Message query(String name, int type) {
        return Message.newQuery(Record.newRecord(name(name), type, DClass.IN));
    }

    /** A query with an EDNS (version 0) payload size. */
    static Message query(String name, int type, int ednsPayload) {
        Message q = query(name, type);
        q.addRecord(new OPTRecord(ednsPayload, 0, 0, 0), Section.ADDITIONAL);
        return q;
    }

    /** Receives one datagram and parses it. */
    static Message receive(DatagramSocket socket) throws IOException {
        byte[] buf = new byte[65535];
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        socket.receive(p);
        return parse(Arrays.copyOf(buf, p.getLength()));
    }

    static Message parse(byte[] wire) {
        try {
            return new Message(wire);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The rdata of the answer records of one type, as text, sorted. */
    static Set<String> answers(Message m, int type) {
        Set<String> out = new TreeSet<>();
        for (Record r : m.getSection(Section.ANSWER)) {
            if (r.getType() == type) {
                out.add(r.rdataToString());
            }
        }
        return out;
    }

    /** The records of one section. */
    static List<Record> section(Message m, int section) {
        return m.getSection(section);
    }

    /** The types of a section's records, by name, sorted. */
    static Set<String> types(Message m, int section) {
        Set<String> out = new TreeSet<>();
        for (Record r : m.getSection(section)) {
            out.add(Type.string(r.getType()));
        }
        return out;
    }
}
