package dev.grapevine.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.junit.jupiter.api.Test;

class ConvergenceTableTest {

    @Test
    void averagesTheMeasuredInvocationsPerGroupAndLeavesWarmUpOut() {
        String table = ConvergenceTable.table(List.of(
                "benchmark,n,loss,phase,invocation,simulated_ms,wall_ms",
                "join,1000,0.10,warmup,1,9000.0,900.0",
                "join,1000,0.10,measure,2,1000.0,100.0",
                "join,1000,0.10,measure,3,2000.0,300.0",
                "crash,100,0.00,measure,1,10500.0,40.0",
                ""));
        assertEquals("""
                | change | N | loss | simulated s, mean (min-max) | wall ms, mean | runs |
                |---|---|---|---|---|---|
                | crash | 100 | 0 % | 10.50 (10.50-10.50) | 40 | 1 |
                | join | 1,000 | 10 % | 1.50 (1.00-2.00) | 200 | 2 |
                """, table);
    }

    @Test
    void rejectsLinesOfAnotherShape() {
        assertThrows(IllegalArgumentException.class,
                () -> ConvergenceTable.table(List.of("header", "join,1000,0.1,measure,2,1000.0")));
    }
}
