package io.nvent.cdi.internal.memory;

import io.nvent.AwaitPosition;
import io.nvent.AwaitStatus;
import io.nvent.AwaitType;
import io.nvent.TimeoutAction;
import io.nvent.spi.AwaitRecord;
import io.nvent.spi.RunRecord;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The memory store's sweeps read the runs without holding the store's lock, which every await and trigger takes. */
class MemorySchedulingStoreLockTest {

    @Test
    void theLookForUnsettledConcurrencyKeysHoldsUpNoOtherCallerWhileItReadsTheRuns() throws Exception {
        CountDownLatch reading = new CountDownLatch(1);
        CountDownLatch goOn = new CountDownLatch(1);
        MemoryFlowStore slowRuns = new MemoryFlowStore() {
            @Override
            public Optional<RunRecord> findRun(String runId) {
                reading.countDown();
                try {
                    goOn.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return super.findRun(runId);
            }
        };
        MemorySchedulingStore store = new MemorySchedulingStore();
        store.saveAwait(new AwaitRecord("await-1", "token-1", "run-1", "sync", "sync-customer", AwaitPosition.BEFORE,
                AwaitType.CONCURRENCY_KEY, AwaitStatus.WAITING, Instant.EPOCH, Optional.empty(), Optional.empty(),
                TimeoutAction.FAIL, Optional.of("customer-42"), Optional.empty(), "[]", Optional.empty(),
                Optional.empty()));
        CompletableFuture<List<String>> sweep = CompletableFuture.supplyAsync(
                () -> store.unsettledConcurrencyKeys(slowRuns, 10));
        try {
            assertThat(reading.await(10, TimeUnit.SECONDS)).as("the sweep reads the run").isTrue();

            assertThat(CompletableFuture.supplyAsync(() -> store.listAwaits(true, 10)).get(5, TimeUnit.SECONDS))
                    .as("the awaits, listed while the sweep reads the run").hasSize(1);
        } finally {
            goOn.countDown();
        }
        assertThat(sweep.get(10, TimeUnit.SECONDS)).as("the run is gone: nothing to settle").isEmpty();
    }
}
