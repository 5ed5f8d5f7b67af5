package io.nvent.postgres.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.nvent.NventException;
import io.nvent.postgres.PgQueueException;
import io.nvent.spi.AdapterUnavailableException;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/** Only a database that cannot be reached is the adapter unavailable; the database's other refusals are not. */
class JdbcFailureTest {

    @Test
    void aConnectionRefusedOrLostOrEndedByAShutdownIsTheAdapterUnavailable() {
        for (String state : new String[] {"08001", "08006", "57P01", "57P02", "57P03", "53300"}) {
            assertThat(failure(state)).as(state).isInstanceOfSatisfying(AdapterUnavailableException.class,
                    away -> assertThat(away.adapter()).isEqualTo("postgres"))
                    .hasMessageStartingWith("NVENT-0250 adapter 'postgres' cannot reach its backend: NVENT-0810 ");
        }
    }

    @Test
    void aConstraintALostRaceBadSqlOrACancelledStatementIsNot() {
        assertThat(failure("23505")).isExactlyInstanceOf(PgQueueException.class).matches(e -> !e.isRetryable());
        assertThat(failure("42P01")).isExactlyInstanceOf(PgQueueException.class).matches(e -> !e.isRetryable());
        assertThat(failure("40001")).isExactlyInstanceOf(PgQueueException.class).matches(NventException::isRetryable);
        assertThat(failure("57014")).isExactlyInstanceOf(PgQueueException.class);
    }

    private static NventException failure(String state) {
        return Jdbc.failure("NVENT-0810 could not enqueue", new SQLException("test", state), null, false);
    }

    @Test
    void noConnectionFromThePoolIsTheAdapterUnavailableWhateverItsSqlStateUnlessWaitingCannotHelp() {
        SQLException noState = new SQLException("Error in allocating a connection");

        assertThat(Jdbc.failure("NVENT-0810 could not enqueue", noState, null, true))
                .isInstanceOf(AdapterUnavailableException.class);
        assertThat(Jdbc.failure("NVENT-0810 could not enqueue", noState, null, false)).as("in a statement")
                .isExactlyInstanceOf(PgQueueException.class).matches(NventException::isRetryable);
        assertThat(Jdbc.failure("NVENT-0810 could not enqueue", new SQLException("password authentication failed",
                "28P01"), null, true)).isExactlyInstanceOf(PgQueueException.class).matches(e -> !e.isRetryable());
    }
}
