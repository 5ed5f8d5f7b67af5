package io.nvent.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nvent.postgres.internal.HeldJob;
import io.nvent.postgres.internal.Jdbc;
import io.nvent.postgres.internal.JobStore;
import io.nvent.postgres.internal.QueueSql;
import io.nvent.spi.JobCounts;
import io.nvent.spi.JobExecution;
import io.nvent.spi.JobHandler;
import io.nvent.spi.JobRequest;
import io.nvent.testkit.TestThreads;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Delayed jobs start at their due time, not after the round that finds them due: a worker claims
 * them shortly before, holds them and starts each when it is due, never earlier. The fallback poll
 * is a minute away in every test, so only the worker's own wake-ups can start a job.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PgJobQueueDueTest {

    private static final Duration PATIENCE = Duration.ofSeconds(20);
    private static final Duration DELAY = Duration.ofMillis(1500);

    private static TestDatabase database;
    private static DataSource dataSource;

    private final List<PgJobQueue> instances = new ArrayList<>();
    private final List<Instant> startedAt = new CopyOnWriteArrayList<>();
    private String queue;

    @BeforeAll
    static void startDatabase() {
        database = TestDatabase.start();
        dataSource = database.pool(20);
    }

    @AfterAll
    static void stopDatabase() throws Exception {
        database.close();
    }

    @BeforeEach
    void nameQueue() {
        queue = "due-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @AfterEach
    void closeInstances() {
        instances.forEach(PgJobQueue::close);
    }

    @Test
    void a_delayed_job_is_claimed_before_it_is_due_and_held_until_then_counting_as_delayed()
            throws SQLException {
        PgJobQueue worker = instance();
        worker.registerWorker(queue, 2, recordingStarts());
        worker.enqueue(JobRequest.of(queue, "later", "work", "{}").withDelay(DELAY));
        Instant due = row("later").due();

        AtomicReference<JobCounts> countsWhileHeld = new AtomicReference<>();
        Instant seenClaimed = awaitClaimedBy(worker, "later", () -> countsWhileHeld.set(worker.counts(queue)));

        assertThat(seenClaimed).as("seen claimed (by the worker, not started) before it was due").isBefore(due);
        assertThat(countsWhileHeld.get()).as("counts while held").isEqualTo(new JobCounts(0, 1, 0, 0, 0));
        await().atMost(PATIENCE).until(() -> startedAt.size() == 1);
        assertThat(startedAt.get(0)).as("start of the held job").isAfterOrEqualTo(due);
        assertThat(row("later").recordedStart()).as("recorded start").isEqualTo(due);
    }

    @Test
    void a_job_held_by_a_paused_queue_goes_back_unchanged_and_runs_no_earlier_than_due_after_the_resume()
            throws SQLException {
        PgJobQueue worker = instance();
        worker.registerWorker(queue, 2, recordingStarts());
        worker.enqueue(JobRequest.of(queue, "held", "work", "{}").withDelay(DELAY));
        Instant due = row("held").due();
        awaitClaimedBy(worker, "held", () -> { });

        worker.pause(queue);

        await().atMost(PATIENCE).until(() -> row("held").state().equals("WAITING"));
        assertThat(row("held")).as("handed back").isEqualTo(new Row("WAITING", due, 0, null, null));
        worker.resume(queue);
        await().atMost(PATIENCE).until(() -> startedAt.size() == 1);
        assertThat(startedAt.get(0)).as("start after the resume").isAfterOrEqualTo(due);
    }

    @Test
    void a_job_held_by_an_instance_that_shuts_down_runs_on_another_no_earlier_than_it_was_due() throws SQLException {
        PgJobQueue leaving = instance();
        leaving.registerWorker(queue, 2, recordingStarts());
        leaving.enqueue(JobRequest.of(queue, "handed-over", "work", "{}").withDelay(DELAY));
        Instant due = row("handed-over").due();
        awaitClaimedBy(leaving, "handed-over", () -> { });

        leaving.close();
        PgJobQueue staying = instance();
        staying.registerWorker(queue, 2, recordingStarts());

        assertThat(row("handed-over").due()).as("due time after the hand-back").isEqualTo(due);
        await().atMost(PATIENCE).until(() -> startedAt.size() == 1);
        assertThat(startedAt.get(0)).as("start on the other instance").isAfterOrEqualTo(due);
    }

    @Test
    void a_job_claimed_ahead_and_given_back_by_a_shutdown_before_it_is_due_stays_due_when_it_was() throws SQLException {
        instance().enqueue(JobRequest.of(queue, "given-back", "work", "{}").withDelay(Duration.ofSeconds(30)));
        Instant due = row("given-back").due();
        JobStore store = new JobStore(dataSource, new QueueSql(database.prefix()));
        Instant now = Instant.now();
        List<HeldJob> claimed;
        try (Connection c = dataSource.getConnection()) {
            claimed = store.claimAhead(c, queue, 10, now, due, "leaving", now.plusSeconds(60));
        }

        store.releaseAtShutdown(claimed.stream().map(held -> held.job().lease()).toList(), "leaving", now);

        assertThat(claimed).extracting(HeldJob::dueMicros).as("claimed ahead").containsExactly(Jdbc.micros(due));
        assertThat(row("given-back").state()).as("state after the hand-back").isEqualTo("WAITING");
        assertThat(row("given-back").due()).as("due time after the hand-back").isEqualTo(due);
    }

    /**
     * Waits until the job's row shows it claimed by an instance while no handler has started it;
     * runs {@code whileHeld} then. Returns a time at which the row was seen so (read after the row).
     */
    private Instant awaitClaimedBy(PgJobQueue instance, String jobId, Runnable whileHeld) {
        AtomicReference<Instant> seen = new AtomicReference<>();
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(5)).until(() -> {
            Row row = row(jobId);
            Instant readAt = Instant.now();
            if (!"ACTIVE".equals(row.state()) || !startedAt.isEmpty()) {
                return false;
            }
            assertThat(row.lockedBy()).as("claimed by").isEqualTo(instance.instanceId());
            seen.set(readAt);
            whileHeld.run();
            return true;
        });
        assertThat(startedAt).as("started while held").isEmpty();
        return seen.get();
    }

    private JobHandler recordingStarts() {
        return new JobHandler() {
            @Override
            public void handle(JobExecution job) {
                startedAt.add(Instant.now());
            }

            @Override
            public void onAttemptFailed(JobExecution job, Throwable error, Optional<Instant> nextAttemptAt) {
            }
        };
    }

    private PgJobQueue instance() {
        PgJobQueue instance = new PgJobQueue(dataSource, new TestThreads("due"), Clock.systemUTC(),
                PgQueueOptions.newBuilder().tablePrefix(database.prefix()).pollInterval(Duration.ofMinutes(1))
                        .shutdownGrace(Duration.ofSeconds(2)).build());
        instances.add(instance);
        return instance;
    }

    /** A job's row as stored. */
    private record Row(String state, Instant due, int attempt, String lockedBy, Instant recordedStart) {
    }

    private Row row(String jobId) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement read = c.prepareStatement(
                "SELECT state, available_at, attempt, locked_by, started_at FROM " + database.prefix()
                        + "job WHERE queue = ? AND job_id = ?")) {
            read.setString(1, queue);
            read.setString(2, jobId);
            try (ResultSet row = read.executeQuery()) {
                assertThat(row.next()).as("job " + jobId + " stored").isTrue();
                OffsetDateTime started = row.getObject(5, OffsetDateTime.class);
                return new Row(row.getString(1), row.getObject(2, OffsetDateTime.class).toInstant(), row.getInt(3),
                        row.getString(4), started == null ? null : started.toInstant());
            }
        }
    }
}
