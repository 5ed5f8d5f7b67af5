package io.nvent.postgres;

import io.nvent.testkit.TestThreads;

import io.nvent.spi.JobQueue;
import io.nvent.testkit.JobQueueContractTest;
import java.time.Clock;
import java.time.Duration;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

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
}
