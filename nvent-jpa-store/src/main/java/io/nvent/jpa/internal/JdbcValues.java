package io.nvent.jpa.internal;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
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

    /**
     * An instant into a {@code timestamp with time zone} column, as a UTC {@link OffsetDateTime}:
     * independent of JVM and server time zones.
     */
    static void setInstant(PreparedStatement statement, int index, Optional<Instant> instant) throws SQLException {
        if (instant.isPresent()) {
            statement.setObject(index, instant.get().atOffset(ZoneOffset.UTC));
        } else {
            statement.setNull(index, Types.TIMESTAMP_WITH_TIMEZONE);
        }
    }

    static Optional<Instant> getInstant(ResultSet row, int index) throws SQLException {
        return Optional.ofNullable(row.getObject(index, OffsetDateTime.class)).map(OffsetDateTime::toInstant);
    }
}
