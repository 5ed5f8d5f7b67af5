package io.nvent.jpa.internal;

import io.nvent.NventException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Locale;
import javax.sql.DataSource;

/** The database products the schema scripts know, with the column types that differ between them. */
enum Database {
    /** PostgreSQL 14+: payloads in {@code jsonb}. */
    POSTGRESQL("jsonb", "text"),
    /**
     * H2 2.x: payloads in character large objects. Not H2's {@code JSON} type: it stores a string
     * bound with {@code setString} as a JSON string literal rather than parsing it.
     */
    H2("character large object", "character large object"),
    /** Anything else: standard types; untested. */
    OTHER("clob", "clob");

    private final String jsonType;
    private final String textType;

    Database(String jsonType, String textType) {
        this.jsonType = jsonType;
        this.textType = textType;
    }

    /** Column type of JSON payloads. */
    String jsonType() {
        return jsonType;
    }

    /** Column type of long texts (error messages). */
    String textType() {
        return textType;
    }

    /**
     * An unquoted identifier as this database stores it. Flyway quotes the schema and history table
     * names it is given while Hibernate and the scripts do not; on H2, which folds unquoted names to
     * upper case, {@code nvent_alt} and {@code "nvent_alt"} would be different schemas.
     */
    String storedCase(String identifier) {
        return switch (this) {
            case POSTGRESQL -> identifier.toLowerCase(Locale.ROOT);
            case H2 -> identifier.toUpperCase(Locale.ROOT);
            case OTHER -> identifier;
        };
    }

    static Database of(String productName) {
        String name = productName.toLowerCase(Locale.ROOT);
        if (name.contains("postgresql")) {
            return POSTGRESQL;
        }
        if (name.equals("h2")) {
            return H2;
        }
        return OTHER;
    }

    static Database detect(DataSource dataSource) {
        try (Connection connection = dataSource.getConnection()) {
            return of(connection.getMetaData().getDatabaseProductName());
        } catch (SQLException e) {
            throw new NventException("NVENT-0306 cannot connect to the store's database: " + e.getMessage(), e);
        }
    }
}
