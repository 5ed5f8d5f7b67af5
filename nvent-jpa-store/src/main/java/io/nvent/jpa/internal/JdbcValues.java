package io.nvent.jpa.internal;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/**
 * Binds and reads the store's column types in plain JDBC the same way on every database, for the
 * statements that bypass Hibernate (the scheduling store, grouped run writes).
 */
final class JdbcValues {

    private JdbcValues() {
    }

    /**
     * JSON text. On PostgreSQL it is sent untyped, so the server parses it into {@code jsonb} (as
     * {@link JsonTextType} does for the entities); elsewhere it is a character large object.
     */
    static void setJson(PreparedStatement statement, int index, Optional<String> json, Database database)
            throws SQLException {
        if (database == Database.POSTGRESQL) {
            if (json.isPresent()) {
                statement.setObject(index, json.get(), Types.OTHER);
            } else {
                statement.setNull(index, Types.OTHER);
            }
        } else {
            setText(statement, index, json, database);
        }
    }

    /** Long text: {@code text} on PostgreSQL, a character large object elsewhere. */
    static void setText(PreparedStatement statement, int index, Optional<String> text, Database database)
            throws SQLException {
        if (text.isPresent()) {
            statement.setString(index, text.get());
        } else {
            statement.setNull(index, database == Database.POSTGRESQL ? Types.VARCHAR : Types.CLOB);
        }
    }

    /** The instants PostgreSQL reads back from their ISO-8601 text: years 1 to 9999. */
    private static final long FIRST_ISO_SECOND = Instant.parse("0001-01-01T00:00:00Z").getEpochSecond();
    private static final long LAST_ISO_SECOND = Instant.parse("9999-12-31T23:59:59Z").getEpochSecond();

    /**
     * An instant into a {@code timestamp with time zone} column, independent of JVM and server time
     * zones. On PostgreSQL as its ISO-8601 text, typed by the server from the column: the driver's
     * own formatting of date-time values cost more CPU than the statement itself on the store's
     * hottest inserts. Elsewhere, and outside years 1 to 9999, as a UTC {@link OffsetDateTime}.
     */
    static void setInstant(PreparedStatement statement, int index, Optional<Instant> instant, Database database)
            throws SQLException {
        if (instant.isEmpty()) {
            // Untyped on PostgreSQL as the text is, so that the rows of one batch bind the same types
            // (the driver prepares a statement again when they change).
            statement.setNull(index, database == Database.POSTGRESQL ? Types.OTHER : Types.TIMESTAMP_WITH_TIMEZONE);
        } else if (database == Database.POSTGRESQL && instant.get().getEpochSecond() >= FIRST_ISO_SECOND
                && instant.get().getEpochSecond() <= LAST_ISO_SECOND) {
            statement.setObject(index, toMicros(instant.get()).toString(), Types.OTHER);
        } else {
            statement.setObject(index, instant.get().atOffset(ZoneOffset.UTC));
        }
    }

    /** Rounded to whole microseconds, half up, as the driver rounds the date-time values it sends. */
    private static Instant toMicros(Instant instant) {
        Instant rounded = instant.getNano() % 1000 >= 500 ? instant.plusNanos(1000) : instant;
        return rounded.truncatedTo(ChronoUnit.MICROS);
    }

    static Optional<Instant> getInstant(ResultSet row, int index) throws SQLException {
        return Optional.ofNullable(row.getObject(index, OffsetDateTime.class)).map(OffsetDateTime::toInstant);
    }
}
