package io.nvent.postgres;

import java.time.Clock;
import java.time.Duration;
import javax.sql.DataSource;
import io.nvent.testkit.TestThreads;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The test class's PostgreSQL, registered as a static {@code @RegisterExtension}: started before its first test and
 * closed after its last; and the PostgreSQL queues on it of the engine instances its tests start.
 */
final class PgInstances implements BeforeAllCallback, AfterAllCallback {

    private TestDatabase database;
    private DataSource dataSource;

    @Override
    public void beforeAll(ExtensionContext context) {
        database = TestDatabase.start();
        dataSource = database.pool(20);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        database.close();
    }

    /** The PostgreSQL queue of one instance: worker threads named after {@code threads}, half a second's grace to stop. */
    PgJobQueue queue(String threads) {
        return new PgJobQueue(dataSource, new TestThreads(threads), Clock.systemUTC(),
                PgQueueOptions.newBuilder().tablePrefix(database.prefix()).shutdownGrace(Duration.ofMillis(500)).build());
    }
}
