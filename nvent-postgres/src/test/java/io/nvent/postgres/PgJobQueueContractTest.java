package io.nvent.postgres;

import io.nvent.testkit.TestThreads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nvent.BackoffType;
import io.nvent.RetryPolicy;
import io.nvent.postgres.internal.Schema;
import io.nvent.postgres.internal.Wakeups;
import io.nvent.spi.JobExecution;
import io.nvent.spi.JobHandler;
import io.nvent.spi.JobQueue;
import io.nvent.testkit.JobQueueContractTest;
import java.sql.Connection;
import java.util.Set;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
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

    /**
     * A pause written in SQL, as an operator at a psql prompt would, is not paused by unknown since nobody knows when:
     * the row says since when (the trigger stamps it) and that SQL did it, as which role; a resume clears it, and a
     * pause through the adapter then tells the adapter's instance.
     */
    @Test
    void a_pause_written_in_sql_tells_since_when_and_which_role_wrote_it() throws Exception {
        Instant before;
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            try (ResultSet now = s.executeQuery("SELECT now()")) {
                now.next();
                before = now.getObject(1, java.time.OffsetDateTime.class).toInstant();
            }
            s.execute("INSERT INTO " + database.prefix() + "queue (queue, paused) VALUES ('" + name + "', true)"
                    + " ON CONFLICT (queue) DO UPDATE SET paused = true");
        }

        io.nvent.spi.QueueChange inSql = queue.pauseChanges(Set.of(name)).get(name);
        assertThat(inSql).as("who paused %s in SQL", name).isNotNull();
        assertThat(inSql.by()).hasValueSatisfying(by -> assertThat(by).startsWith("sql as "));
        assertThat(inSql.at()).isAfterOrEqualTo(before).isBefore(before.plusSeconds(60));

        queue.resume(name);
        assertThat(queue.pauseChanges(Set.of(name))).isEmpty();
        PgJobQueue named = new PgJobQueue(dataSource, new TestThreads("named"), Clock.systemUTC(),
                PgQueueOptions.newBuilder().tablePrefix(database.prefix()).instanceId("shop-2").createSchema(false)
                        .build());
        try {
            named.pause(name);
            assertThat(queue.pauseChanges(Set.of(name)).get(name).by()).as("read on another instance")
                    .contains("code@shop-2");
        } finally {
            named.close();
        }
    }

    /**
     * A queue paused by a release before this one kept who paused it: after the upgrade it does not read as paused by
     * nobody (a pause in code) but as paused before who was recorded, since its row's last change.
     */
    @Test
    void a_queue_paused_before_the_table_kept_who_paused_it_says_so_not_paused_by_nobody() throws Exception {
        PgJobQueue upgraded = pausedByTheReleaseBefore("prepause_");
        try {
            io.nvent.spi.QueueChange before = upgraded.pauseChanges(Set.of(name)).get(name);

            assertThat(upgraded.isPaused(name)).isTrue();
            assertThat(before.by()).contains(PgJobQueue.PAUSED_BEFORE_WHO_WAS_RECORDED);
            assertThat(before.at()).as("the row's last change").isEqualTo(Instant.parse("2026-11-30T08:00:00Z"));
            assertThat(before.reason()).isEmpty();
        } finally {
            upgraded.close();
        }
    }

    /**
     * Paused again after the upgrade (in code, or by an operator through nvent), such a queue is still held by that
     * first pause, as any paused queue paused again is: it keeps that pause's time, not the second one's.
     */
    @Test
    void a_queue_paused_before_the_table_kept_who_paused_it_and_paused_again_keeps_the_time_of_that_pause()
            throws Exception {
        PgJobQueue upgraded = pausedByTheReleaseBefore("repause_");
        try {
            upgraded.pause(name);

            io.nvent.spi.QueueChange held = upgraded.pauseChanges(Set.of(name)).get(name);
            assertThat(held.by()).contains(PgJobQueue.PAUSED_BEFORE_WHO_WAS_RECORDED);
            assertThat(held.at()).as("that pause's time, not the second's").isEqualTo(Instant.parse(
                    "2026-11-30T08:00:00Z"));
        } finally {
            upgraded.close();
        }
    }

    /** A queue table as the release before 0.2 kept it, its queue paused then, taken up by this release. */
    private PgJobQueue pausedByTheReleaseBefore(String tables) throws SQLException {
        String prefix = database.prefix() + tables;
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            for (String statement : Schema.statements("queue-schema.sql", prefix)) {
                if (!statement.contains("paused_at") && !statement.contains("queue_pause_stamp")) {
                    s.execute(statement); // the table as the release before kept it
                }
            }
            s.execute("INSERT INTO " + prefix + "queue (queue, paused, updated_at) VALUES ('" + name + "', true,"
                    + " timestamptz '2026-11-30 08:00:00+00')");
        }
        return new PgJobQueue(dataSource, new TestThreads(tables), Clock.systemUTC(),
                PgQueueOptions.newBuilder().tablePrefix(prefix).shutdownGrace(Duration.ofSeconds(2)).build());
    }

    @Test
    void a_list_of_delays_is_stored_beside_the_backoff_which_keeps_the_name_an_earlier_release_reads() throws Exception {
        queue.pause(name);
        queue.enqueue(job("listed").withRetry(RetryPolicy.newBuilder().delays(Duration.ofSeconds(10),
                Duration.ofSeconds(60)).jitter(0.2).build()));

        await().atMost(PATIENCE).until(() -> stored("listed").isPresent());
        List<String> row = stored("listed").orElseThrow();
        assertThat(BackoffType.valueOf(row.get(0))).as("the backoff as an instance of 0.1 reads it")
                .isEqualTo(BackoffType.EXPONENTIAL);
        assertThat(row.get(1)).isEqualTo("delays=10000/60000;jitter=0.2");
        queue.enqueue(job("plain"));
        await().atMost(PATIENCE).until(() -> stored("plain").isPresent());
        assertThat(stored("plain").orElseThrow()).containsExactly("EXPONENTIAL", null);
    }

    @Test
    void a_queue_table_of_the_earlier_release_gets_the_schedule_column_and_its_jobs_still_run() throws Exception {
        String prefix = database.prefix() + "old_";
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            for (String statement : Schema.statements("queue-schema.sql", prefix)) {
                if (!statement.contains("retry_schedule")) { // the schema of 0.1
                    s.execute(statement);
                }
            }
            s.execute("INSERT INTO " + prefix + "job (queue, job_id, name, payload, priority, max_attempts, backoff,"
                    + " initial_delay_ms, max_delay_ms, timeout_ms, created_at, available_at) VALUES ('" + name
                    + "', 'from-0.1', 'step', '{}', 0, 2, 'FIXED', 1000, 1000, 10000, now(), now())");
        }
        PgJobQueue upgraded = new PgJobQueue(dataSource, new TestThreads("upgraded"), Clock.systemUTC(),
                PgQueueOptions.newBuilder().tablePrefix(prefix).shutdownGrace(Duration.ofSeconds(2)).build());
        try {
            List<JobExecution> ran = new CopyOnWriteArrayList<>();
            upgraded.registerWorker(name, 2, PgJobQueueClusterTest.handler(ran::add));
            upgraded.enqueue(job("listed").withRetry(RetryPolicy.newBuilder().delays(Duration.ofSeconds(1)).build()));

            await().atMost(PATIENCE).until(() -> ran.size() == 2);
            assertThat(ran).extracting(JobExecution::jobId).containsExactlyInAnyOrder("from-0.1", "listed");
            assertThat(ran).filteredOn(job -> job.jobId().equals("from-0.1")).extracting(JobExecution::maxAttempts)
                    .containsExactly(2);
        } finally {
            upgraded.close();
        }
    }

    /**
     * A pause's notification that the listener delivers only after the queue was resumed (it falls behind on a loaded
     * machine) pauses no worker: they follow the queue's row, and a job enqueued afterwards runs. Before, the old
     * notification paused them again until the resume's own notification came, handing back the jobs they had
     * claimed and prepared (the batch was prepared twice); here no resume's notification follows, so it stays paused.
     */
    @Test
    void a_pause_notification_delivered_after_the_resume_pauses_no_worker() throws Exception {
        // It hardly polls: it hears of the job below through its listener only, after the old notification.
        PgJobQueue listening = new PgJobQueue(dataSource, new TestThreads("listening"), Clock.systemUTC(),
                PgQueueOptions.newBuilder().tablePrefix(database.prefix()).createSchema(false)
                        .pollInterval(Duration.ofMinutes(10)).shutdownGrace(Duration.ofSeconds(2)).build());
        try {
            List<JobExecution> ran = new CopyOnWriteArrayList<>();
            listening.registerWorker(name, 1, PgJobQueueClusterTest.handler(ran::add));
            await().atMost(PATIENCE).until(listening::isListening);
            try (Connection c = dataSource.getConnection();
                 PreparedStatement late = c.prepareStatement("SELECT pg_notify(?, ?)")) {
                late.setString(1, database.prefix() + "jobs");
                late.setString(2, Wakeups.paused(name, true));
                late.execute();
            }

            queue.enqueue(job("after-the-resume"));

            // isPaused reads the queue's row, never paused here: only the job that runs shows the workers' state.
            await().atMost(PATIENCE).until(() -> ran.size() == 1);
        } finally {
            listening.close();
        }
    }

    /** The backoff and retry_schedule columns of a job of the queue under test, if it has a row. */
    private Optional<List<String>> stored(String jobId) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement select = c.prepareStatement(
                "SELECT backoff, retry_schedule FROM " + database.prefix() + "job WHERE queue = ? AND job_id = ?")) {
            select.setString(1, name);
            select.setString(2, jobId);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? Optional.of(java.util.Arrays.asList(rows.getString(1), rows.getString(2)))
                        : Optional.empty();
            }
        }
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

    @Test
    void a_batch_whose_preparation_outlasts_the_lease_is_still_held_and_runs_once() {
        Duration lease = Duration.ofMillis(500);
        PgJobQueue shortLeases = new PgJobQueue(dataSource, new TestThreads("short-leases"), Clock.systemUTC(),
                PgQueueOptions.newBuilder().tablePrefix(database.prefix()).leaseDuration(lease)
                        .pollInterval(Duration.ofMillis(100)).shutdownGrace(Duration.ofSeconds(2)).build());
        try {
            shortLeases.pause(name);
            for (int i = 0; i < 4; i++) {
                shortLeases.enqueue(job("slow-" + i));
            }
            List<JobExecution> handled = new CopyOnWriteArrayList<>();
            List<Integer> prepared = new CopyOnWriteArrayList<>();
            shortLeases.registerWorker(name, 8, new JobHandler() {
                @Override
                public void prepare(List<JobExecution> claimed) {
                    prepared.add(claimed.size());
                    try {
                        Thread.sleep(lease.multipliedBy(4).toMillis()); // a store that answers slowly
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }

                @Override
                public void handle(JobExecution job) {
                    handled.add(job);
                }

                @Override
                public void onAttemptFailed(JobExecution job, Throwable error, Optional<Instant> nextAttemptAt) {
                }
            });
            shortLeases.resume(name);

            await().atMost(PATIENCE).until(() -> handled.size() >= 4);
            await().during(lease.multipliedBy(3)).atMost(PATIENCE).until(() -> handled.size() == 4);
            assertThat(prepared).as("batches prepared").containsExactly(4);
            assertThat(handled).extracting(JobExecution::redelivered).containsOnly(false);
            assertThat(handled).extracting(JobExecution::jobId)
                    .containsExactlyInAnyOrder("slow-0", "slow-1", "slow-2", "slow-3");
        } finally {
            shortLeases.close();
        }
    }
}
