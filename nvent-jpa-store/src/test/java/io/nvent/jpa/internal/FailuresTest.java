package io.nvent.jpa.internal;

import io.nvent.spi.AdapterUnavailableException;
import jakarta.persistence.PersistenceException;
import java.sql.SQLException;
import java.util.List;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Database failures are sorted without losing what the database said. */
class FailuresTest {

    private static final Failures FAILURES = new Failures("java:app/jdbc/nvent (postgresql://db.internal:5432/nvent)");

    @Test
    void aFailureWithoutSqlStateKeepsItsCauseInsteadOfFailingToBeSorted() {
        // Payara's pool reports a database that refuses connections with no SQL state at all.
        SQLException refused = new SQLException("Error in allocating a connection. Cause: FATAL: database "
                + "\"nvent\" is not currently accepting connections");
        PersistenceException failure = new PersistenceException("could not open connection", refused);

        RuntimeException translated = FAILURES.translate(failure);

        assertThat(translated).isInstanceOf(StoreException.class).hasRootCause(refused)
                .hasMessageContaining("NVENT-0302 store operation failed: could not open connection");
        assertThat(Failures.isConflict(failure)).isFalse();
    }

    @Test
    void noConnectionFromThePoolIsTheDatabaseAwayEvenWithoutSqlState() {
        SQLException refused = new SQLException("Error in allocating a connection");
        PersistenceException failure = new org.hibernate.exception.GenericJDBCException(
                "Unable to acquire JDBC Connection [Error in allocating a connection] [n/a]", refused);

        assertThat(FAILURES.translate(failure)).isInstanceOfSatisfying(AdapterUnavailableException.class,
                away -> assertThat(away.adapter()).isEqualTo("jpa")).hasRootCause(refused)
                .hasMessageStartingWith("NVENT-0250 adapter 'jpa' cannot reach its backend: NVENT-0325 store "
                        + "unavailable: database java:app/jdbc/nvent (postgresql://db.internal:5432/nvent) cannot be "
                        + "reached (Unable to acquire JDBC Connection");
    }

    @Test
    void aConstraintALostRaceAndBadSqlAreNotTheDatabaseAway() {
        RuntimeException constraint = FAILURES.translate(new PersistenceException("constraint violated",
                new SQLException("duplicate key", "23505")));
        RuntimeException lostRace = FAILURES.translate(new PersistenceException(new SQLException(
                "could not serialize access", "40001")));
        RuntimeException badSql = FAILURES.translate(new PersistenceException(new SQLException(
                "relation \"nvent_run\" does not exist", "42P01")));

        assertThat(List.of(constraint, lostRace, badSql)).allSatisfy(failure ->
                assertThat(failure).isInstanceOf(StoreException.class).isNotInstanceOf(AdapterUnavailableException.class));
        assertThat(((StoreException) constraint).isRetryable()).isFalse();
        assertThat(((StoreException) lostRace).isRetryable()).as("lost a race: still repeated").isTrue();
        assertThat(lostRace).hasMessageStartingWith("NVENT-0325 store busy");
        assertThat(((StoreException) badSql).isRetryable()).isFalse();
    }

    @Test
    void aContainerTransactionThatCouldNotCommitIsTransient() {
        RuntimeException commitFailed = new jakarta.transaction.TransactionalException("Managed bean with "
                + "Transactional annotation and TxType of REQUIRES_NEW encountered exception during commit",
                new IllegalStateException("org.omg.CORBA.INTERNAL completed: Maybe"));

        RuntimeException translated = FAILURES.translate(commitFailed);

        assertThat(translated).isInstanceOf(StoreException.class).hasMessageStartingWith("NVENT-0325");
        assertThat(((StoreException) translated).isRetryable()).isTrue();
    }

    @Test
    void aSerializationFailureIsAConflictAndAConnectionLostMidStatementIsTheDatabaseAway() {
        assertThat(Failures.isConflict(new PersistenceException(new SQLException("deadlock", "40P01")))).isTrue();
        assertThat(FAILURES.translate(new PersistenceException(new SQLException("connection reset", "08006"))))
                .isInstanceOf(AdapterUnavailableException.class).hasMessageContaining("NVENT-0325");
    }

    @Test
    void aSessionPostgresEndedForARestartOrFailoverIsTheDatabaseAway() {
        for (String state : new String[] {"57P01", "57P02", "57P03"}) {
            assertThat(FAILURES.translate(new PersistenceException(new SQLException(
                    "FATAL: terminating connection due to administrator command", state))))
                    .as(state).isInstanceOf(AdapterUnavailableException.class);
        }
        assertThat(((StoreException) FAILURES.translate(new PersistenceException(new SQLException(
                "canceling statement due to user request", "57014")))).isRetryable()).isFalse();
    }

    @Test
    void aDatabaseIsNamedByItsAddressWithoutUserOrPassword() {
        assertThat(Failures.address("jdbc:postgresql://db.internal:5432/nvent?user=nvent&password=s3cret"))
                .isEqualTo("postgresql://db.internal:5432/nvent");
        assertThat(Failures.address("jdbc:postgresql://nvent:s3cret@db.internal:5432/nvent"))
                .isEqualTo("postgresql://db.internal:5432/nvent");
        assertThat(Failures.address("jdbc:h2:mem:nvent1;DB_CLOSE_DELAY=-1;PASSWORD=s3cret")).isEqualTo("h2:mem:nvent1");
    }
}
