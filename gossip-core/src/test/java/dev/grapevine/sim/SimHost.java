package dev.grapevine.sim;

import dev.grapevine.GossipRuntime;
import dev.grapevine.Stats;
import dev.grapevine.time.Scheduler;
import dev.grapevine.transport.Transport;
import dev.grapevine.transport.TransportOptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

/** A test node: binds a simulated host and records what it receives, with virtual arrival times. */
final class SimHost implements Transport.Inbound {

    /** One received datagram. */
    record Received(long at, InetSocketAddress from, String text) { }

    final SimulatedNetwork net;
    final InetSocketAddress address;
    final Stats stats = new Stats();
    final GossipRuntime.Binding binding;
    final List<Received> received = new ArrayList<>();
    /** Answers requests; by default echoes the request upper-cased. */
    BiFunction<InetSocketAddress, String, String> onRequest = (from, text) -> text.toUpperCase();

    SimHost(SimulatedNetwork net, InetSocketAddress address, TransportOptions options) {
        this.net = net;
        this.address = address;
        try {
            this.binding = net.bind(address, options, stats);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        binding.transport().start(this);
    }

    SimHost(SimulatedNetwork net, int i) {
        this(net, addr(i), TransportOptions.DEFAULTS);
    }

    static InetSocketAddress addr(int i) {
        try {
            return new InetSocketAddress(
                    InetAddress.getByAddress(new byte[] {127, 0, (byte) (i >> 8), (byte) i}), 7946);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    Scheduler scheduler() {
        return binding.scheduler();
    }

    Transport transport() {
        return binding.transport();
    }

    void send(SimHost to, String text) {
        send(to.address, text);
    }

    void send(InetSocketAddress to, String text) {
        transport().sendDatagram(to, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
    }

    List<String> texts() {
        List<String> out = new ArrayList<>();
        for (Received r : received) {
            out.add(r.text());
        }
        return out;
    }

    static String text(ByteBuffer b) {
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Override
    public void onDatagram(InetSocketAddress from, ByteBuffer datagram) {
        received.add(new Received(net.now(), from, text(datagram)));
    }

    @Override
    public ByteBuffer onRequest(InetSocketAddress from, ByteBuffer request) {
        String answer = onRequest.apply(from, text(request));
        return answer == null ? null : ByteBuffer.wrap(answer.getBytes(StandardCharsets.UTF_8));
    }
}
