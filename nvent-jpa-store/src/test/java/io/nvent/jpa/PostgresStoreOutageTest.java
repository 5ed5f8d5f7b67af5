package io.nvent.jpa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import io.nvent.spi.AdapterUnavailableException;
import io.nvent.spi.RunRecord;
import io.nvent.testkit.postgres.StoppablePostgres;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The JPA store's PostgreSQL shut down and started again: while it is down, reads and writes fail
 * with {@link AdapterUnavailableException} of the adapter {@code jpa}, naming the database but not
 * its password (the engine then neither counts a step's attempt nor fails a run, and REST answers
 * 503 naming the adapter); once it is back, the same calls work again without a restart.
 */
class PostgresStoreOutageTest {

    private static final Instant T0 = Instant.parse("2026-12-04T10:00:00Z");

    private static StoppablePostgres postgres;
    private static HikariDataSource pool;
    private static JpaFlowStore store;

    @BeforeAll
    static void aStoreOnADatabaseOfItsOwn() {
        postgres = StoppablePostgres.start();
        pool = TestDatabases.pool(postgres.jdbcUrl(), "postgres", "s3cret-not-shown", 4);
        // A pool that says at once that it has no connection, as a production pool does after its timeout.
        pool.setConnectionTimeout(500);
        store = JpaFlowStore.create(pool, JpaStoreOptions.newBuilder().tablePrefix("outage_").build());
    }

    @AfterAll
    static void closeAll() throws IOException {
        store.close();
        pool.close();
        postgres.close();
    }

    @Test
    void whileItsDatabaseIsDownTheStoreSaysItCannotReachItAndOnceBackItWorksAgain() {
        store.createRun(run("before"), List.of());

        postgres.stop();
        try {
            assertThatThrownBy(() -> store.findRun("before")).as("a read")
                    .isInstanceOfSatisfying(AdapterUnavailableException.class, away -> {
                        assertThat(away.adapter()).isEqualTo("jpa");
                        assertThat(away.isRetryable()).isTrue();
                    })
                    .hasMessageStartingWith("NVENT-0250 adapter 'jpa' cannot reach its backend: NVENT-0325 store "
                            + "unavailable: database postgresql://" + postgres.address() + "/postgres cannot be reached")
                    .message().doesNotContain("s3cret-not-shown");
            // Not a plain JDBC read on the pool but one in a JPA transaction of its own: translated all the same.
            assertThatThrownBy(() -> store.getState("before", "key", T0)).as("a read through JPA")
                    .isInstanceOf(AdapterUnavailableException.class).hasMessageContaining(postgres.address());
            assertThatThrownBy(() -> store.createRun(run("during"), List.of())).as("a write")
                    .isInstanceOf(AdapterUnavailableException.class).hasMessageContaining(postgres.address());
        } finally {
            postgres.startAgain();
        }

        await().atMost(Duration.ofSeconds(30)).ignoreExceptionsInstanceOf(AdapterUnavailableException.class)
                .untilAsserted(() -> assertThat(store.findRun("before")).isPresent());
        store.createRun(run("after"), List.of());
        assertThat(store.findRun("after")).isPresent();
    }

    private static RunRecord run(String runId) {
        return RunRecord.started(runId, "orders", "{}", Optional.empty(), T0);
    }
}
