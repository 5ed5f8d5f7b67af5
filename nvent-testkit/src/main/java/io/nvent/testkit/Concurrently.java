package io.nvent.testkit;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;

/**
 * Races for contract tests: runs a body on several threads released at the same moment.
 *
 * @since 0.1
 */
public final class Concurrently {

    private Concurrently() {
    }

    /** Body of one racing thread. */
    @FunctionalInterface
    public interface Body {
        /**
         * Runs on thread number {@code thread} (0-based).
         *
         * @param thread 0 to {@code threads - 1}
         * @throws Exception any failure, which {@link #run} rethrows
         */
        void accept(int thread) throws Exception;
    }

    /**
     * Runs {@code body} on {@code threads} threads at once (released together), waits for all of
     * them and rethrows the first failure.
     *
     * @param threads how many threads, at least 1
     * @param body what each thread runs
     */
    public static void run(int threads, Body body) {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> futures = IntStream.range(0, threads).<Future<?>>mapToObj(t -> pool.submit(() -> {
                start.await();
                body.accept(t);
                return null;
            })).toList();
            start.countDown();
            await().atMost(Duration.ofSeconds(55)).pollInterval(Duration.ofMillis(20))
                    .until(() -> futures.stream().allMatch(Future::isDone));
            for (Future<?> future : futures) {
                try {
                    future.get();
                } catch (ExecutionException e) {
                    throw new AssertionError("a concurrent caller failed: " + e.getCause(), e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted", e);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
