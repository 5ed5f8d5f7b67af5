package io.nvent.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import io.nvent.spi.AdapterUnavailableException;
import io.nvent.spi.JobRequest;
import io.nvent.testkit.TestThreads;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The queue's PostgreSQL shut down and started again: while it is down, enqueues and reads fail
 * with {@link AdapterUnavailableException} of the adapter {@code postgres}, naming the database but
 * not its password (the engine does not count a step's attempt for it, REST answers 503 naming the
 * adapter); once it is back, the same queue enqueues and runs jobs again without a restart.
 */
class PgJobQueueOutageTest {

    private static final String QUEUE = "mail";

    private static TestDatabase database;
    private static HikariDataSource pool;
    private PgJobQueue queue;

    @BeforeAll
    static void aDatabaseTheTestCanStop() {
        database = TestDatabase.start();
        assumeThat(database.stoppable()).as("an external database is not stopped by tests").isTrue();
        pool = database.pool(4);
        // A pool that says at once that it has no connection, as a production pool does after its timeout.
        pool.setConnectionTimeout(500);
    }

    @AfterAll
    static void stopDatabase() throws Exception {
        database.close();
    }

    @AfterEach
    void closeQueue() {
        queue.close();
    }

    @Test
    void whileItsDatabaseIsDownTheQueueSaysItCannotReachItAndOnceBackItRunsTheJobs() throws Exception {
        queue = new PgJobQueue(pool, new TestThreads("outage"), Clock.systemUTC(), PgQueueOptions.newBuilder()
                .tablePrefix(database.prefix()).shutdownGrace(Duration.ofSeconds(1)).build());
        queue.enqueue(JobRequest.of(QUEUE, "before", "send", "{}"));

        database.stop();
        try {
            assertThatThrownBy(() -> queue.enqueue(JobRequest.of(QUEUE, "during", "send", "{}"))).as("an enqueue")
                    .isInstanceOfSatisfying(AdapterUnavailableException.class, away -> {
                        assertThat(away.adapter()).isEqualTo("postgres");
                        assertThat(away.isRetryable()).isTrue();
                    })
                    .hasMessageStartingWith("NVENT-0250 adapter 'postgres' cannot reach its backend: NVENT-0810 "
                            + "could not enqueue")
                    .hasMessageContaining("on database " + database.address())
                    .message().doesNotContain("password");
            assertThatThrownBy(() -> queue.job(QUEUE, "before")).as("a read of the queue")
                    .isInstanceOf(AdapterUnavailableException.class).hasMessageContaining(database.address());
        } finally {
            database.startAgain();
        }

        Set<String> ran = ConcurrentHashMap.newKeySet();
        // The pool may refuse for a moment more while it connects again: registering then says so too.
        await().atMost(Duration.ofSeconds(30)).ignoreExceptionsInstanceOf(AdapterUnavailableException.class)
                .until(() -> {
                    queue.registerWorker(QUEUE, 1, PgJobQueueClusterTest.handler(job -> ran.add(job.jobId())));
                    return true;
                });
        await().atMost(Duration.ofSeconds(30)).ignoreExceptionsInstanceOf(AdapterUnavailableException.class)
                .untilAsserted(() -> {
                    queue.enqueue(JobRequest.of(QUEUE, "after", "send", "{}"));
                    assertThat(ran).containsExactlyInAnyOrder("before", "after");
                });
    }
}
