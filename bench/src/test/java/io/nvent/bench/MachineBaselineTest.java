package io.nvent.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 2, unit = TimeUnit.MINUTES)
class MachineBaselineTest {

    @Test
    void pgbenchsInsertRateIsReadAndItsTableDroppedAgain() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/usr/lib/postgresql")) || System.getenv("NVENT_BENCH_PGBENCH") != null,
                "needs PostgreSQL's pgbench");
        try (EmbeddedPostgres postgres = EmbeddedPostgres.builder().start()) {
            String url = postgres.getJdbcUrl("postgres", "postgres");

            OptionalDouble insertsPerSecond = MachineBaseline.insertsPerSecond(url, "postgres", "postgres", 1);

            assertThat(insertsPerSecond).isPresent();
            assertThat(insertsPerSecond.getAsDouble()).isGreaterThan(10);
            try (Connection c = postgres.getPostgresDatabase().getConnection();
                 ResultSet tables = c.getMetaData().getTables(null, null, "nvent_bench_baseline", null)) {
                assertThat(tables.next()).as("the baseline's table is dropped").isFalse();
            }
        }
    }

    @Test
    void aDatabaseThatCannotBeReachedGivesNoBaselineAndNoFailure() {
        OptionalDouble insertsPerSecond = MachineBaseline.insertsPerSecond("jdbc:postgresql://127.0.0.1:1/none",
                "postgres", "postgres", 1);

        assertThat(insertsPerSecond).isEmpty();
    }
}
