package dev.grapevine.dissemination;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BroadcastQueueTest {

    private static byte[] msg(int id, int size) {
        byte[] b = new byte[size];
        b[0] = (byte) id;
        return b;
    }

    @Test
    void retransmitLimitGrowsWithLog10OfClusterSize() {
        assertEquals(4, BroadcastQueue.retransmitLimit(4, 1));
        assertEquals(4, BroadcastQueue.retransmitLimit(4, 9));
        assertEquals(8, BroadcastQueue.retransmitLimit(4, 10));
        assertEquals(12, BroadcastQueue.retransmitLimit(4, 100));
        assertEquals(16, BroadcastQueue.retransmitLimit(4, 1000));
    }

    @Test
    void newestAndLeastSentComeFirst() {
        BroadcastQueue q = new BroadcastQueue(100);
        q.add("a", msg(1, 10), null);
        q.add("b", msg(2, 10), null);
        List<byte[]> first = q.take(1000, 1, 3, n -> 1);
        assertEquals(2, first.get(0)[0], "newest first");
        List<byte[]> second = q.take(1000, 1, 3, n -> 1);
        assertEquals(1, second.get(0)[0], "then the one sent fewer times");
    }

    @Test
    void messageLeavesAfterTheRetransmitLimitAndNotifies() {
        BroadcastQueue q = new BroadcastQueue(100);
        boolean[] done = new boolean[1];
        q.add("a", msg(1, 10), () -> done[0] = true);
        for (int i = 0; i < 3; i++) {
            assertEquals(1, q.take(1000, 10, 3, n -> 1).size());
        }
        assertTrue(q.isEmpty());
        assertTrue(done[0]);
        assertEquals(0, q.take(1000, 10, 3, n -> 1).size());
    }

    @Test
    void keysStillReplaceAfterABurstHasDrained() {
        // A burst large enough that the queue starts its key index afresh once it is empty again.
        BroadcastQueue q = new BroadcastQueue(10_000);
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < 1000; i++) {
                q.add("m:" + i, msg(i, 10), null);
            }
            assertEquals(1000, q.size());
            if (round == 0) {
                while (!q.isEmpty()) {
                    q.take(1000, 255, 2, n -> 1);
                }
            } else {
                q.clear();
            }
            assertTrue(q.isEmpty());
            boolean[] oldDone = new boolean[1];
            q.add("m:7", msg(1, 10), () -> oldDone[0] = true);
            q.add("m:7", msg(2, 10), null);
            assertEquals(1, q.size(), "round " + round + ": the newer message about m:7 replaces the older");
            assertTrue(oldDone[0]);
            assertEquals(2, q.take(1000, 10, 2, n -> 1).get(0)[0]);
            q.clear();
        }
    }

    @Test
    void theLastKeyLeftAfterABurstIsStillReplaced() {
        BroadcastQueue q = new BroadcastQueue(10_000);
        boolean[] survivorDone = new boolean[1];
        q.add("survivor", msg(1, 10), () -> survivorDone[0] = true); // the oldest: taken last
        for (int i = 0; i < 100; i++) {
            q.add("m:" + i, msg(2, 10), null);
        }
        assertEquals(100, q.take(10_000, 100, 1, n -> 1).size(), "the 100 newest, sent once and gone");
        assertEquals(1, q.size());
        q.add("survivor", msg(3, 10), null);
        assertEquals(1, q.size(), "the survivor's newer message replaces it");
        assertTrue(survivorDone[0]);
        assertEquals(3, q.take(1000, 10, 1, n -> 1).get(0)[0]);
        assertTrue(q.isEmpty());
    }

    @Test
    void newerMessageAboutTheSameMemberReplacesTheOlder() {
        BroadcastQueue q = new BroadcastQueue(100);
        boolean[] oldDone = new boolean[1];
        q.add("node1", msg(1, 10), () -> oldDone[0] = true);
        q.add("node1", msg(2, 10), null);
        assertEquals(1, q.size());
        assertTrue(oldDone[0]);
        assertEquals(2, q.take(1000, 10, 3, n -> 1).get(0)[0]);
    }

    @Test
    void takeFillsTheBudgetAndSkipsWhatDoesNotFit() {
        BroadcastQueue q = new BroadcastQueue(100);
        q.add("big", msg(1, 900), null);
        q.add("small1", msg(2, 100), null);
        q.add("small2", msg(3, 100), null);
        List<byte[]> taken = q.take(1000, 10, 5, n -> 0);
        int total = taken.stream().mapToInt(b -> b.length).sum();
        assertTrue(total <= 1000);
        // Newest first: small2 (100), small1 (100), big does not fit after them.
        assertEquals(2, taken.size());
        assertArrayEquals(msg(3, 100), taken.get(0));
    }

    @Test
    void capacityEvictsTheMostSentOldest() {
        BroadcastQueue q = new BroadcastQueue(3);
        List<Integer> evicted = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            int id = i;
            q.add(null, msg(i, 10), () -> evicted.add(id));
        }
        assertEquals(3, q.size());
        assertEquals(List.of(0, 1), evicted);
    }
}
