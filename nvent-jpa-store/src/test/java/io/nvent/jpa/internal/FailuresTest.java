package io.nvent.jpa.internal;

import jakarta.persistence.PersistenceException;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Database failures are sorted without losing what the database said. */
class FailuresTest {

    @Test
    void aFailureWithoutSqlStateKeepsItsCauseInsteadOfFailingToBeSorted() {
        // Payara's pool reports a database that refuses connections with no SQL state at all.
        SQLException refused = new SQLException("Error in allocating a connection. Cause: FATAL: database "
                + "\"nvent\" is not currently accepting connections");
        PersistenceException failure = new PersistenceException("could not open connection", refused);

        RuntimeException translated = Failures.translate(failure);

        assertThat(translated).isInstanceOf(StoreException.class).hasRootCause(refused)
                .hasMessageContaining("NVENT-0302 store operation failed: could not open connection");
        assertThat(Failures.isConflict(failure)).isFalse();
    }

    @Test
    void noConnectionFromThePoolIsTransientEvenWithoutSqlState() {
        SQLException refused = new SQLException("Error in allocating a connection");
        PersistenceException failure = new org.hibernate.exception.GenericJDBCException(
                "Unable to acquire JDBC Connection [Error in allocating a connection] [n/a]", refused);

        assertThat(((StoreException) Failures.translate(failure)).isRetryable()).isTrue();
        assertThat(((StoreException) Failures.translate(new PersistenceException("constraint violated",
                new SQLException("duplicate key", "23505")))).isRetryable()).isFalse();
    }

    @Test
    void aContainerTransactionThatCouldNotCommitIsTransient() {
        RuntimeException commitFailed = new jakarta.transaction.TransactionalException("Managed bean with "
                + "Transactional annotation and TxType of REQUIRES_NEW encountered exception during commit",
                new IllegalStateException("org.omg.CORBA.INTERNAL completed: Maybe"));

        RuntimeException translated = Failures.translate(commitFailed);

        assertThat(translated).isInstanceOf(StoreException.class).hasMessageStartingWith("NVENT-0325");
        assertThat(((StoreException) translated).isRetryable()).isTrue();
    }

    @Test
    void aSerializationFailureIsAConflictAndAConnectionFailureIsTransient() {
        assertThat(Failures.isConflict(new PersistenceException(new SQLException("deadlock", "40P01")))).isTrue();
        assertThat(((StoreException) Failures.translate(
                new PersistenceException(new SQLException("connection reset", "08006")))).isRetryable()).isTrue();
    }

    @Test
    void aSessionPostgresEndedForARestartOrFailoverIsTransient() {
        for (String state : new String[] {"57P01", "57P02", "57P03"}) {
            assertThat(((StoreException) Failures.translate(new PersistenceException(new SQLException(
                    "FATAL: terminating connection due to administrator command", state)))).isRetryable())
                    .as(state).isTrue();
        }
        assertThat(((StoreException) Failures.translate(new PersistenceException(new SQLException(
                "canceling statement due to user request", "57014")))).isRetryable()).isFalse();
    }
}
