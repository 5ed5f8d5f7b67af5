package io.nvent.postgres;

import io.nvent.testkit.TestThreads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nvent.spi.JobExecution;
import io.nvent.spi.JobHandler;
import io.nvent.spi.JobQueue;
import io.nvent.testkit.JobQueueContractTest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The queue contract on a real PostgreSQL (embedded, one per class). */
class PgJobQueueContractTest extends JobQueueContractTest {

    private static TestDatabase database;
    private static DataSource dataSource;

    @BeforeAll
    static void startDatabase() {
        database = TestDatabase.start();
        dataSource = database.pool(20);
    }

    @AfterAll
    static void stopDatabase() throws Exception {
        database.close();
    }

    @Override
    protected JobQueue createQueue() {
        return new PgJobQueue(dataSource, new TestThreads("contract"), Clock.systemUTC(),
                PgQueueOptions.newBuilder().tablePrefix(database.prefix()).shutdownGrace(Duration.ofSeconds(2)).build());
    }

    @Test
    void jobs_claimed_together_are_announced_to_the_handler_before_any_of_them_starts() {
        queue.pause(name);
        for (int i = 0; i < 6; i++) {
            queue.enqueue(job("batch-" + i));
        }
        List<String> seen = new CopyOnWriteArrayList<>();
        queue.registerWorker(name, 8, new JobHandler() {
            @Override
            public void prepare(List<JobExecution> claimed) {
                seen.add("prepare " + claimed.stream().map(JobExecution::jobId).sorted().toList());
            }

            @Override
            public void handle(JobExecution job) {
                seen.add("handle " + job.jobId());
            }

            @Override
            public void onAttemptFailed(JobExecution job, Throwable error, Optional<Instant> nextAttemptAt) {
                seen.add("failed " + job.jobId());
            }
        });
        queue.resume(name);

        await().atMost(PATIENCE).until(() -> seen.stream().filter(s -> s.startsWith("handle")).count() == 6);
        assertThat(seen.get(0)).isEqualTo("prepare [batch-0, batch-1, batch-2, batch-3, batch-4, batch-5]");
        assertThat(seen).hasSize(7);
    }
}
