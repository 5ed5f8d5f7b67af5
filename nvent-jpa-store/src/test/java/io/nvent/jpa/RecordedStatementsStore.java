package io.nvent.jpa;

import com.zaxxer.hikari.HikariDataSource;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A JPA store on a fresh H2 database for each test, recording every statement it prepares: for a test of what an
 * operation costs the database. Registered with {@code @RegisterExtension} on a test's field.
 */
final class RecordedStatementsStore implements BeforeEachCallback, AfterEachCallback {

    private final int connections;
    private final List<String> statements = new CopyOnWriteArrayList<>();
    private HikariDataSource pool;
    private JpaFlowStore store;

    /** A store on a pool of {@code connections} connections. */
    RecordedStatementsStore(int connections) {
        this.connections = connections;
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        statements.clear();
        pool = TestDatabases.pool(TestDatabases.newH2Url(), "sa", "", connections);
        store = JpaFlowStore.create(TestDatabases.recording(pool, statements), JpaStoreOptions.defaults());
    }

    @Override
    public void afterEach(ExtensionContext context) {
        store.close();
        pool.close();
    }

    /** The store of the running test. */
    JpaFlowStore store() {
        return store;
    }

    /** The statements the store prepared so far, in order; a test clears them to count an operation's own. */
    List<String> statements() {
        return statements;
    }
}
