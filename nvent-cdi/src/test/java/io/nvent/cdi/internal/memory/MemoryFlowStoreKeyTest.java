package io.nvent.cdi.internal.memory;

import io.nvent.spi.RunRecord;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A start that loses an idempotency key to another looks the holder up by the key: the memory store
 * never shows a key without its run.
 */
class MemoryFlowStoreKeyTest {

    private static final String KEY = "0b8c7f1e-4a53-3d55-9d3e-6a3f0c9e2b71";

    @Test
    void aRunHoldingAKeyIsFoundByItWhileItsCreationIsBetweenTakingTheKeyAndStoringTheRun() throws Exception {
        CountDownLatch keyTaken = new CountDownLatch(1);
        CountDownLatch goOn = new CountDownLatch(1);
        MemoryFlowStore store = new MemoryFlowStore(() -> {
            keyTaken.countDown();
            awaitQuietly(goOn);
        });
        RunRecord run = RunRecord.started("run-1", "orders", "{}", Optional.empty(), Instant.EPOCH);
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            Future<?> creation = threads.submit(() -> store.createRun(run, List.of(), KEY));
            assertThat(keyTaken.await(10, TimeUnit.SECONDS)).as("the creation holds the key").isTrue();
            AtomicReference<Thread> readerThread = new AtomicReference<>();
            CompletableFuture<Optional<RunRecord>> lookup = CompletableFuture.supplyAsync(() -> {
                readerThread.set(Thread.currentThread());
                return store.findRunByKey(KEY);
            }, threads);
            try {
                // The lookup answers at once (and must not answer "nobody") or waits for the creation.
                await().atMost(10, TimeUnit.SECONDS).until(() -> lookup.isDone()
                        || readerThread.get() != null && readerThread.get().getState() == Thread.State.BLOCKED);
            } finally {
                goOn.countDown();
            }
            creation.get(10, TimeUnit.SECONDS);

            assertThat(lookup.get(10, TimeUnit.SECONDS)).as("the run holding the key, looked up meanwhile")
                    .get().extracting(RunRecord::runId).isEqualTo("run-1");
        } finally {
            goOn.countDown();
            threads.shutdownNow();
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
