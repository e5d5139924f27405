package dev.grapevine.sim;

import dev.grapevine.DropReason;
import dev.grapevine.Stats;
import dev.grapevine.time.Cancellable;
import dev.grapevine.transport.Transport;
import dev.grapevine.transport.TransportOptions;
import org.junit.jupiter.api.Test;

import java.io.EOFException;
import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SimulatedNetworkTest {

    private static final long MS = 1_000_000L;

    private static Duration ms(long n) {
        return Duration.ofMillis(n);
    }

    /** Records the one expected outcome of a request. */
    private static final class Outcome implements Transport.Reply {
        final SimulatedNetwork net;
        int calls;
        long at = -1;
        String reply;
        Exception failure;

        Outcome(SimulatedNetwork net) {
            this.net = net;
        }

        @Override
        public void onReply(ByteBuffer frame) {
            calls++;
            at = net.now();
            reply = SimHost.text(frame);
        }

        @Override
        public void onFailure(Exception cause) {
            calls++;
            at = net.now();
            failure = cause;
        }
    }

    private static ByteBuffer bytes(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    // ---------------------------------------------------------------------------------------------- determinism

    /** Random traffic (datagrams and requests, lossy, jittery); returns the full delivery trace. */
    private static List<String> trafficTrace(long seed) {
        SimulatedNetwork net = new SimulatedNetwork(seed);
        net.setLatency(ms(1), ms(10));
        net.setLoss(0.1);
        List<String> trace = new ArrayList<>();
        List<SimHost> hosts = new ArrayList<>();
        for (int i = 1; i <= 20; i++) {
            hosts.add(new SimHost(net, i));
        }
        for (SimHost h : hosts) {
            Random rnd = net.newRandom();
            h.onRequest = (from, text) -> {
                trace.add(net.now() + " req " + from + "->" + h.address + " " + text);
                return text + "!";
            };
            Runnable[] tick = new Runnable[1];
            int[] counter = new int[1];
            tick[0] = () -> {
                SimHost to = hosts.get(rnd.nextInt(hosts.size()));
                String msg = h.address.getAddress().getHostAddress() + "#" + counter[0]++;
                if (rnd.nextInt(10) == 0) {
                    h.transport().request(to.address, bytes(msg), 20 * MS, new Transport.Reply() {
                        @Override
                        public void onReply(ByteBuffer frame) {
                            trace.add(net.now() + " reply " + h.address + " " + SimHost.text(frame));
                        }

                        @Override
                        public void onFailure(Exception cause) {
                            trace.add(net.now() + " fail " + h.address + " " + cause.getClass().getSimpleName());
                        }
                    });
                } else {
                    h.send(to, msg);
                }
                h.scheduler().schedule((1 + rnd.nextInt(50)) * MS, tick[0]);
            };
            h.scheduler().schedule(rnd.nextInt(50) * MS, tick[0]);
        }
        net.runFor(Duration.ofSeconds(2));
        for (SimHost h : hosts) {
            for (SimHost.Received r : h.received) {
                trace.add(r.at() + " dgram " + r.from() + "->" + h.address + " " + r.text());
            }
        }
        trace.add("totals " + net.eventsRun() + " " + net.datagramsDelivered() + " " + net.datagramsDropped());
        return trace;
    }

    @Test
    void sameSeedGivesIdenticalTrace() {
        List<String> first = trafficTrace(7);
        List<String> second = trafficTrace(7);
        assertTrue(first.size() > 1000, "trace too small: " + first.size());
        assertEquals(first, second);
    }

    @Test
    void differentSeedsGiveDifferentTraces() {
        assertNotEquals(trafficTrace(7), trafficTrace(8));
    }

    @Test
    void newRandomIsSeededFromTheNetworkSeed() {
        SimulatedNetwork a = new SimulatedNetwork(99);
        SimulatedNetwork b = new SimulatedNetwork(99);
        for (int i = 0; i < 5; i++) {
            assertEquals(a.newRandom().nextLong(), b.newRandom().nextLong());
        }
        assertEquals(a.random().nextLong(), b.random().nextLong());
        assertNotEquals(new SimulatedNetwork(1).newRandom().nextLong(), new SimulatedNetwork(2).newRandom().nextLong());
    }

    // ---------------------------------------------------------------------------------------------- timers

    @Test
    void timersFireInOrderAtExactVirtualTimes() {
        SimulatedNetwork net = new SimulatedNetwork(1);
        SimHost h = new SimHost(net, 1);
        List<String> log = new ArrayList<>();
        h.scheduler().schedule(30 * MS, () -> log.add("a@" + net.now()));
        h.scheduler().schedule(10 * MS, () -> {
            log.add("b@" + net.now());
            // Same-instant work runs after what is already queued for this instant, in call order.
            h.scheduler().execute(() -> log.add("x@" + net.now()));
            h.scheduler().schedule(0, () -> log.add("y@" + net.now()));
        });
        h.scheduler().schedule(20 * MS, () -> log.add("c@" + net.now()));
        h.scheduler().schedule(10 * MS, () -> log.add("d@" + net.now()));
        assertEquals(0, net.now());
        net.runFor(ms(25));
        assertEquals(25 * MS, net.now());
        assertEquals(25 * MS, h.scheduler().nanoTime());
        assertEquals(List.of("b@" + 10 * MS, "d@" + 10 * MS, "x@" + 10 * MS, "y@" + 10 * MS, "c@" + 20 * MS), log);
        net.runFor(ms(5)); // the end of a run is inclusive
        assertEquals("a@" + 30 * MS, log.get(log.size() - 1));
        assertEquals(ms(30), net.elapsed());
    }

    @Test
    void cancelPreventsTheTaskAndIsIdempotent() {
        SimulatedNetwork net = new SimulatedNetwork(1);
        SimHost h = new SimHost(net, 1);
        AtomicInteger ran = new AtomicInteger();
        Cancellable c1 = h.scheduler().schedule(10 * MS, ran::incrementAndGet);
        Cancellable c2 = h.scheduler().schedule(20 * MS, ran::incrementAndGet);
        c1.cancel();
        c1.cancel();
        net.runFor(ms(30));
        assertEquals(1, ran.get());
        c2.cancel(); // after it ran: nothing happens
        net.runFor(ms(30));
        assertEquals(1, ran.get());
    }

    @Test
    void cancelledTimersDoNotPileUpInTheQueue() {
        SimulatedNetwork net = new SimulatedNetwork(1);
        SimHost h = new SimHost(net, 1);
        for (int i = 0; i < 200_000; i++) {
            h.scheduler().schedule(Duration.ofHours(1).toNanos() + i, () -> { }).cancel();
        }
        assertTrue(net.pendingEvents() < 20_000, "pending: " + net.pendingEvents());
        net.runFor(Duration.ofHours(2));
        assertEquals(0, net.pendingEvents());
        assertEquals(0, net.eventsRun());
    }

    @Test
    void runUntilChecksEveryTenMillisecondsAndStopsThere() {
        SimulatedNetwork net = new SimulatedNetwork(1);
        SimHost h = new SimHost(net, 1);
        AtomicBoolean flag = new AtomicBoolean();
        h.scheduler().schedule(25 * MS, () -> flag.set(true));
        assertTrue(net.runUntil(flag::get, Duration.ofSeconds(1)));
        assertEquals(30 * MS, net.now());
        assertTrue(net.runUntil(() -> true, Duration.ofSeconds(1)));
        assertEquals(30 * MS, net.now());
        assertFalse(net.runUntil(() -> false, ms(95)));
        assertEquals(125 * MS, net.now());
    }

    @Test
    void executeFromAnotherThreadIsPickedUpAtTheNextStep() throws InterruptedException {
        SimulatedNetwork net = new SimulatedNetwork(1);
        SimHost h = new SimHost(net, 1);
        AtomicBoolean foreignSeesProtocolThread = new AtomicBoolean(true);
        List<String> log = new ArrayList<>();
        Thread t = new Thread(() -> {
            foreignSeesProtocolThread.set(h.scheduler().inProtocolThread());
            h.scheduler().execute(() -> log.add("ran@" + net.now() + " inProtocolThread="
                    + h.scheduler().inProtocolThread()));
        });
        t.start();
        t.join();
        assertFalse(foreignSeesProtocolThread.get());
        assertTrue(h.scheduler().inProtocolThread());
        assertTrue(log.isEmpty(), "must not run before the simulation steps");
        net.runFor(ms(5));
        assertEquals(List.of("ran@0 inProtocolThread=true"), log);
    }

    @Test
    void listenerExecutorRunsInline() {
        SimulatedNetwork net = new SimulatedNetwork(1);
        List<Integer> order = new ArrayList<>();
        net.listenerExecutor().execute(() -> order.add(1));
        order.add(2);
        assertEquals(List.of(1, 2), order);
    }

    // ---------------------------------------------------------------------------------------------- links

    @Test
    void latencyStaysWithinBoundsAndLinksCanOverrideIt() {
        SimulatedNetwork net = new SimulatedNetwork(3);
        net.setLatency(ms(5), ms(9));
        SimHost a = new SimHost(net, 1);
        SimHost b = new SimHost(net, 2);
        for (int i = 0; i < 2000; i++) {
            a.send(b, Long.toString(net.now()));
            net.runFor(Duration.ofNanos(1_234_567));
        }
        net.runFor(ms(20));
        assertEquals(2000, b.received.size());
        long min = Long.MAX_VALUE;
        long max = 0;
        for (SimHost.Received r : b.received) {
            long lat = r.at() - Long.parseLong(r.text());
            min = Math.min(min, lat);
            max = Math.max(max, lat);
            assertEquals(a.address, r.from());
        }
        assertTrue(min >= 5 * MS && min < 5 * MS + MS / 10, "min " + min);
        assertTrue(max <= 9 * MS && max > 9 * MS - MS / 10, "max " + max);

        net.setLinkLatency(a.address, b.address, ms(20), ms(20));
        long sent = net.now();
        a.send(b, "slow");
        b.send(a, "fast");
        net.runFor(ms(30));
        assertEquals(sent + 20 * MS, b.received.get(b.received.size() - 1).at());
        long back = a.received.get(0).at() - sent;
        assertTrue(back >= 5 * MS && back <= 9 * MS, "reverse link keeps the default: " + back);

        net.resetLink(a.address, b.address);
        sent = net.now();
        a.send(b, "default again");
        net.runFor(ms(30));
        long lat = b.received.get(b.received.size() - 1).at() - sent;
        assertTrue(lat >= 5 * MS && lat <= 9 * MS, "reset link: " + lat);
    }

    @Test
    void linkLossDropsAboutThatShareOfDatagrams() {
        SimulatedNetwork net = new SimulatedNetwork(11);
        SimHost a = new SimHost(net, 1);
        SimHost b = new SimHost(net, 2);
        net.setLinkLoss(a.address, b.address, 0.3);
        for (int i = 0; i < 10_000; i++) {
            a.send(b, "x");
            b.send(a, "y");
            net.runFor(ms(1));
        }
        net.runFor(ms(10));
        int got = b.received.size();
        assertTrue(got > 6_500 && got < 7_500, "received " + got + " of 10000 at 30% loss");
        assertEquals(10_000, a.received.size(), "the reverse link is lossless");
        assertEquals(20_000, net.datagramsSent());
        assertEquals(10_000 - got, net.datagramsDropped());
        assertEquals(10_000 + got, net.datagramsDelivered());
        assertEquals(10_000, a.stats.packetsSent());
        assertEquals(got, b.stats.packetsReceived());
    }

    @Test
    void globalLossAppliesToEveryLink() {
        SimulatedNetwork net = new SimulatedNetwork(12);
        net.setLoss(1.0);
        SimHost a = new SimHost(net, 1);
        SimHost b = new SimHost(net, 2);
        a.send(b, "lost");
        net.runFor(ms(10));
        assertTrue(b.received.isEmpty());
        net.setLinkLoss(a.address, b.address, 0.0);
        a.send(b, "kept");
        net.runFor(ms(10));
        assertEquals(List.of("kept"), b.texts());
    }

    @Test
    void partitionBlocksBothDirectionsAndHealRestores() {
        SimulatedNetwork net = new SimulatedNetwork(5);
        SimHost a = new SimHost(net, 1);
        SimHost b = new SimHost(net, 2);
        SimHost c = new SimHost(net, 3);
        a.send(b, "in flight");                // sent before the cut, arrives after it: lost
        net.partition(List.of(a.address));
        assertFalse(net.connected(a.address, b.address));
        assertTrue(net.connected(b.address, c.address));
        a.send(b, "a->b");
        b.send(a, "b->a");
        b.send(c, "b->c");
        c.send(b, "c->b");
        net.runFor(ms(10));
        assertTrue(a.received.isEmpty());
        assertEquals(List.of("c->b"), b.texts());
        assertEquals(List.of("b->c"), c.texts());

        net.partition(List.of(b.address));      // a second group: now all three are apart
        b.send(c, "b->c 2");
        net.runFor(ms(10));
        assertEquals(List.of("b->c"), c.texts());

        net.heal();
        assertTrue(net.connected(a.address, b.address));
        a.send(b, "healed a->b");
        b.send(a, "healed b->a");
        net.runFor(ms(10));
        assertEquals(List.of("healed b->a"), a.texts());
        assertEquals(List.of("c->b", "healed a->b"), b.texts());
    }

    @Test
    void datagramsToUnknownAddressesAreDropped() {
        SimulatedNetwork net = new SimulatedNetwork(5);
        SimHost a = new SimHost(net, 1);
        a.send(SimHost.addr(77), "nobody");
        net.runFor(ms(10));
        assertEquals(1, net.datagramsSent());
        assertEquals(1, net.datagramsDropped());
        assertEquals(1, a.stats.packetsSent());
    }

    // ---------------------------------------------------------------------------------------------- requests

    @Test
    void requestGetsItsReplyAfterTwoLatencies() {
        SimulatedNetwork net = new SimulatedNetwork(2);
        net.setLatency(ms(2), ms(2));
        SimHost a = new SimHost(net, 1);
        SimHost b = new SimHost(net, 2);
        List<String> seen = new ArrayList<>();
        b.onRequest = (from, text) -> {
            seen.add(from + " " + text + "@" + net.now());
            return text.toUpperCase();
        };
        Outcome o = new Outcome(net);
        ByteBuffer req = bytes("hello");
        a.transport().request(b.address, req, Duration.ofSeconds(1).toNanos(), o);
        req.clear().put(new byte[5]); // the transport copied it
        assertEquals(0, o.calls, "callbacks are asynchronous");
        net.runFor(Duration.ofSeconds(2));
        assertEquals(List.of(a.address + " hello@" + 2 * MS), seen);
        assertEquals(1, o.calls);
        assertEquals("HELLO", o.reply);
        assertEquals(4 * MS, o.at);
        assertEquals(1, a.stats.streamsOpened());
        assertEquals(1, b.stats.streamsAccepted());
        assertEquals(1, net.requestsSent());
    }

    @Test
    void requestToACrashedOrUnknownHostIsRefusedAfterOneLatency() {
        SimulatedNetwork net = new SimulatedNetwork(2);
        net.setLatency(ms(3), ms(3));
        SimHost a = new SimHost(net, 1);
        SimHost b = new SimHost(net, 2);
        net.crash(b.address);
        Outcome crashed = new Outcome(net);
        Outcome unknown = new Outcome(net);
        a.transport().request(b.address, bytes("x"), Duration.ofSeconds(1).toNanos(), crashed);
        a.transport().request(SimHost.addr(99), bytes("x"), Duration.ofSeconds(1).toNanos(), unknown);
        net.runFor(Duration.ofSeconds(2));
        for (Outcome o : List.of(crashed, unknown)) {
            assertEquals(1, o.calls);
            assertInstanceOf(ConnectException.class, o.failure);
            assertEquals(3 * MS, o.at);
        }
    }

    @Test
    void requestAcrossAPartitionTimesOutAtExactlyTheTimeout() {
        SimulatedNetwork net = new SimulatedNetwork(2);
        SimHost a = new SimHost(net, 1);
        SimHost b = new SimHost(net, 2);
        AtomicInteger served = new AtomicInteger();
        b.onRequest = (from, text) -> {
            served.incrementAndGet();
            return "no";
        };
        net.partition(List.of(b.address));
        Outcome o = new Outcome(net);
        net.runFor(ms(7));
        a.transport().request(b.address, bytes("x"), 500 * MS, o);
        net.runFor(Duration.ofSeconds(2));
        assertEquals(1, o.calls);
        assertInstanceOf(TimeoutException.class, o.failure);
        assertEquals(507 * MS, o.at);
        assertEquals(0, served.get());
    }

    @Test
    void replyCutOffByAPartitionOrTooLateGivesOnlyTheTimeout() {
        SimulatedNetwork net = new SimulatedNetwork(2);
        net.setLatency(ms(2), ms(2));
        SimHost a = new SimHost(net, 1);
        SimHost b = new SimHost(net, 2);
        b.onRequest = (from, text) -> {
            net.partition(List.of(b.address)); // the reply is lost on its way back
            return "lost";
        };
        Outcome cut = new Outcome(net);
        a.transport().request(b.address, bytes("x"), 100 * MS, cut);
        net.runFor(Duration.ofSeconds(1));
        assertEquals(1, cut.calls);
        assertInstanceOf(TimeoutException.class, cut.failure);
        assertEquals(100 * MS, cut.at);

        net.heal();
        b.onRequest = (from, text) -> "late";
        Outcome late = new Outcome(net);
        long start = net.now();
        a.transport().request(b.address, bytes("x"), 3 * MS, late); // round trip is 4 ms
        net.runFor(Duration.ofSeconds(1));
        assertEquals(1, late.calls, "exactly one callback");
        assertInstanceOf(TimeoutException.class, late.failure);
        assertEquals(start + 3 * MS, late.at);
    }

    @Test
    void oversizedNullAndClosedRequestsFail() {
        SimulatedNetwork net = new SimulatedNetwork(2);
        SimHost a = new SimHost(net, 1);
        SimHost b = new SimHost(net, SimHost.addr(2), new TransportOptions(64, Duration.ofSeconds(10), 128, 65536));
        Outcome big = new Outcome(net);
        a.transport().request(b.address, ByteBuffer.allocate(100), Duration.ofSeconds(1).toNanos(), big);
        net.runFor(ms(50));
        assertEquals(1, big.calls);
        assertInstanceOf(IOException.class, big.failure);
        assertEquals(1, b.stats.dropped(DropReason.OVERSIZED));

        b.onRequest = (from, text) -> null;
        Outcome none = new Outcome(net);
        a.transport().request(b.address, bytes("x"), Duration.ofSeconds(1).toNanos(), none);
        net.runFor(ms(50));
        assertEquals(1, none.calls);
        assertInstanceOf(EOFException.class, none.failure);

        net.pause(b.address);
        Outcome pending = new Outcome(net);
        a.transport().request(b.address, bytes("x"), Duration.ofSeconds(1).toNanos(), pending);
        net.runFor(ms(10));
        a.transport().close();
        assertEquals(0, pending.calls, "still asynchronous");
        net.runFor(ms(1));
        assertEquals(1, pending.calls);
        assertInstanceOf(IOException.class, pending.failure);
        net.runFor(Duration.ofSeconds(2));
        assertEquals(1, pending.calls);
    }

    // ---------------------------------------------------------------------------------------------- faults

    @Test
    void pauseHoldsTimersDatagramsAndRequestsUntilResume() {
        SimulatedNetwork net = new SimulatedNetwork(4);
        net.setLatency(ms(1), ms(1));
        SimHost a = new SimHost(net, 1);
        SimHost b = new SimHost(net, 2);
        List<String> log = new ArrayList<>();
        b.scheduler().schedule(50 * MS, () -> log.add("t50@" + net.now()));
        b.scheduler().schedule(70 * MS, () -> log.add("t70@" + net.now()));
        Cancellable cancelled = b.scheduler().schedule(60 * MS, () -> log.add("t60@" + net.now()));
        b.scheduler().schedule(300 * MS, () -> log.add("t300@" + net.now()));
        b.onRequest = (from, text) -> {
            log.add("req@" + net.now());
            return "ok";
        };
        net.runFor(ms(40));
        net.pause(b.address);
        assertTrue(net.isPaused(b.address));
        a.send(b, "d1");
        a.send(b, "d2");
        Outcome o = new Outcome(net);
        a.transport().request(b.address, bytes("r"), 50 * MS, o);
        cancelled.cancel();
        net.runFor(ms(160));
        assertTrue(log.isEmpty() && b.received.isEmpty(), "a paused host runs nothing");
        assertInstanceOf(TimeoutException.class, o.failure, "the requester gave up meanwhile");
        net.resume(b.address);
        assertFalse(net.isPaused(b.address));
        net.runFor(Duration.ZERO);
        assertEquals(List.of("d1", "d2"), b.texts());
        assertEquals(200 * MS, b.received.get(0).at());
        // Held events run in the order they came due: the request arrived at 41 ms, before the timers.
        assertEquals(List.of("req@" + 200 * MS, "t50@" + 200 * MS, "t70@" + 200 * MS), log);
        net.runFor(ms(200));
        assertEquals("t300@" + 300 * MS, log.get(log.size() - 1));
        assertEquals(1, o.calls, "the late reply is ignored");
    }

    @Test
    void pausedHostBuffersABoundedNumberOfDatagrams() {
        SimulatedNetwork net = new SimulatedNetwork(4);
        SimHost a = new SimHost(net, 1);
        SimHost b = new SimHost(net, 2);
        net.pause(b.address);
        for (int i = 0; i < SimulatedNetwork.PAUSED_DATAGRAM_BUFFER + 76; i++) {
            a.send(b, Integer.toString(i));
        }
        net.runFor(ms(10));
        net.resume(b.address);
        net.runFor(ms(1));
        assertEquals(SimulatedNetwork.PAUSED_DATAGRAM_BUFFER, b.received.size());
        assertEquals(76, net.datagramsDropped());
    }

    @Test
    void crashStopsTimersTrafficAndSends() {
        SimulatedNetwork net = new SimulatedNetwork(6);
        SimHost a = new SimHost(net, 1);
        SimHost b = new SimHost(net, 2);
        AtomicInteger ticks = new AtomicInteger();
        Runnable[] tick = new Runnable[1];
        tick[0] = () -> {
            ticks.incrementAndGet();
            b.send(a, "tick");
            b.scheduler().schedule(10 * MS, tick[0]);
        };
        b.scheduler().schedule(10 * MS, tick[0]);
        net.runFor(ms(55));
        assertEquals(5, ticks.get());
        a.send(b, "in flight");
        net.crash(b.address);
        assertTrue(net.isCrashed(b.address));
        assertFalse(net.isBound(b.address));
        int aGot = a.received.size();
        net.runFor(ms(100));
        assertEquals(5, ticks.get());
        assertTrue(b.received.isEmpty());
        b.send(a, "from the dead");
        net.runFor(ms(10));
        assertTrue(a.received.size() <= aGot + 1, "only a datagram already in flight may arrive");
        for (SimHost.Received r : a.received) {
            assertEquals("tick", r.text());
        }
        assertThrows(IllegalArgumentException.class, () -> net.pause(b.address));
        assertThrows(IllegalArgumentException.class, () -> net.crash(b.address));
    }

    @Test
    void anAddressCanBeBoundAgainAfterCloseOrCrash() throws IOException {
        SimulatedNetwork net = new SimulatedNetwork(8);
        SimHost a = new SimHost(net, 1);
        SimHost b = new SimHost(net, 2);
        BindException inUse = assertThrows(BindException.class,
                () -> net.bind(b.address, TransportOptions.DEFAULTS, new Stats()));
        assertTrue(inUse.getMessage().contains("address in use"));

        AtomicInteger oldTimer = new AtomicInteger();
        b.scheduler().schedule(5 * MS, oldTimer::incrementAndGet);
        b.transport().close();
        assertFalse(net.isCrashed(b.address));
        SimHost b2 = new SimHost(net, 2);
        a.send(b2, "to the new b");
        net.runFor(ms(10));
        assertEquals(0, oldTimer.get(), "timers of the closed host never run");
        assertTrue(b.received.isEmpty());
        assertEquals(List.of("to the new b"), b2.texts());

        net.crash(b2.address);
        SimHost b3 = new SimHost(net, 2);
        assertFalse(net.isCrashed(b3.address));
        a.send(b3, "to b3");
        b3.send(a, "hi from b3");
        net.runFor(ms(10));
        assertEquals(List.of("to b3"), b3.texts());
        assertEquals(List.of("hi from b3"), a.texts());
    }

    @Test
    void portZeroPicksAFreeEphemeralPort() throws IOException {
        SimulatedNetwork net = new SimulatedNetwork(8);
        InetSocketAddress any = new InetSocketAddress(SimHost.addr(1).getAddress(), 0);
        InetSocketAddress first = net.bind(any, TransportOptions.DEFAULTS, new Stats()).transport().boundAddress();
        InetSocketAddress second = net.bind(any, TransportOptions.DEFAULTS, new Stats()).transport().boundAddress();
        assertEquals(49152, first.getPort());
        assertEquals(49153, second.getPort());
        assertTrue(net.isBound(first));
    }

    // ---------------------------------------------------------------------------------------------- failures

    @Test
    void taskExceptionsFailTheRunByDefaultOrAreCounted() {
        SimulatedNetwork net = new SimulatedNetwork(9);
        SimHost h = new SimHost(net, 1);
        AtomicInteger after = new AtomicInteger();
        h.scheduler().schedule(MS, () -> {
            throw new IllegalArgumentException("boom");
        });
        h.scheduler().schedule(2 * MS, after::incrementAndGet);
        SimulationException e = assertThrows(SimulationException.class, () -> net.runFor(ms(10)));
        assertInstanceOf(IllegalArgumentException.class, e.getCause());
        assertEquals(h.address, e.address());
        assertEquals(MS, e.virtualTimeNanos());
        assertEquals(1, net.taskExceptions());

        net.setFailOnTaskException(false);
        h.scheduler().schedule(MS, () -> {
            throw new IllegalStateException("logged, not thrown (expected in this test)");
        });
        net.runFor(ms(10));
        assertEquals(1, after.get(), "the run goes on");
        assertEquals(2, net.taskExceptions());
    }

    @Test
    void runawayGuardStopsZeroDelayLoops() {
        SimulatedNetwork net = new SimulatedNetwork(10);
        net.setMaxEventsPerInstant(10_000);
        SimHost h = new SimHost(net, 1);
        Runnable[] loop = new Runnable[1];
        loop[0] = () -> h.scheduler().execute(loop[0]);
        h.scheduler().schedule(MS, loop[0]);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> net.runFor(ms(10)));
        assertTrue(e.getMessage().contains("runaway"), e.getMessage());
    }

    @Test
    void closedNetworkRefusesWork() {
        SimulatedNetwork net = new SimulatedNetwork(10);
        SimHost h = new SimHost(net, 1);
        AtomicInteger ran = new AtomicInteger();
        h.scheduler().schedule(MS, ran::incrementAndGet);
        net.close();
        net.close();
        assertThrows(IllegalStateException.class, () -> net.runFor(ms(1)));
        assertThrows(IOException.class, () -> net.bind(SimHost.addr(2), TransportOptions.DEFAULTS, new Stats()));
        assertEquals(0, net.pendingEvents());
        assertEquals(0, ran.get());
    }
}
