package io.nvent.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.nvent.spi.JobPage;
import io.nvent.spi.JobState;
import io.nvent.testkit.TestThreads;
import io.nvent.testkit.postgres.GenericPlans;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * How PostgreSQL plans a page of a queue's dead letters read after a cursor, in a table of production shape (25,000
 * dead letters of one queue among 375,000 completed jobs of another, analyzed), as the queue sends the statement and
 * planned generically, as the server plans a statement the driver prepared once it ran a few times: the page goes down
 * an index from the cursor down, however deep, where an offset reads every entry it skips.
 */
class PgJobListPlanTest {

    private static TestDatabase database;
    private static DataSource dataSource;
    private static final List<String> SENT = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void aQueueWithManyDeadLetters() {
        database = TestDatabase.start();
        dataSource = database.pool(4);
        new PgJobQueue(dataSource, new TestThreads("plans"), Clock.systemUTC(), options()).close();
        String job = database.prefix() + "job";
        String columns = " (queue, job_id, name, payload, priority, state, max_attempts, backoff, initial_delay_ms,"
                + " max_delay_ms, timeout_ms, created_at, available_at, finished_at)";
        // One job in 16 a dead letter of "payouts", the others completed jobs of "mail", in between in id order.
        database.execute("insert into " + job + columns + " select case when g % 16 = 0 then 'payouts' else 'mail'"
                + " end, 'job-' || g, 'step', '{}', 0, case when g % 16 = 0 then 'FAILED' else 'COMPLETED' end, 3,"
                + " 'EXPONENTIAL', 100, 1000, 10000, now() - (400000 - g) * interval '1 second',"
                + " now() - (400000 - g) * interval '1 second', now() from generate_series(1, 400000) g",
                "analyze " + job);
    }

    @AfterAll
    static void stopDatabase() throws Exception {
        database.close();
    }

    private static PgQueueOptions options() {
        return PgQueueOptions.newBuilder().tablePrefix(database.prefix()).shutdownGrace(Duration.ofSeconds(2)).build();
    }

    @Test
    void aPageOfDeadLettersAfterADeepCursorGoesDownAnIndexFromTheCursorNotFromTheNewestJob() {
        PgJobQueue queue = new PgJobQueue(recording(dataSource), new TestThreads("plans"), Clock.systemUTC(), options());
        try {
            JobPage first = queue.jobsAfter("payouts", JobState.FAILED, Optional.empty(), 50);
            SENT.clear();
            JobPage deep = queue.jobsAfter("payouts", JobState.FAILED, Optional.of("i160000"), 50);

            assertThat(first.jobs()).hasSize(50);
            assertThat(deep.jobs()).extracting(job -> job.jobId()).startsWith("job-159984", "job-159968");
            assertThat(SENT).filteredOn(sql -> sql.contains(" id < ?")).singleElement().satisfies(sql ->
                    // Whichever index the planner finds cheaper (the failed jobs' or the primary key: it weighs the
                    // dead letters' share of the table), it starts at the cursor, not at the newest job.
                    assertThat(genericPlan(sql)).containsPattern("Index Scan Backward using \\w+job_(failed_idx|pkey)")
                            .containsPattern("Index Cond: \\(.*id < \\$2\\)").doesNotContain("Seq Scan"));
        } finally {
            queue.close();
        }
    }

    /** The data source, recording each statement prepared on its connections. */
    private static DataSource recording(DataSource target) {
        return (DataSource) Proxy.newProxyInstance(PgJobListPlanTest.class.getClassLoader(),
                new Class<?>[] {DataSource.class}, (proxy, method, args) -> {
                    Object result = invoke(target, method, args);
                    if (result instanceof Connection connection) {
                        return Proxy.newProxyInstance(PgJobListPlanTest.class.getClassLoader(),
                                new Class<?>[] {Connection.class}, (p, m, a) -> {
                                    if (m.getName().equals("prepareStatement")) {
                                        SENT.add((String) a[0]);
                                    }
                                    return invoke(connection, m, a);
                                });
                    }
                    return result;
                });
    }

    private static Object invoke(Object target, java.lang.reflect.Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /** The generic plan of a statement with JDBC parameters ({@code ?}), as a server-prepared statement gets it. */
    private static String genericPlan(String sql) {
        return GenericPlans.of(dataSource, sql);
    }
}
