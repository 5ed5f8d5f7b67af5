package io.nvent.jpa.internal;

import io.nvent.NventException;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

    /** The first H2 release whose result cache hands no connection a row as it was before a commit (#3894). */
    static final String H2_WITHOUT_STALE_READS = "2.3.230";

    private static final System.Logger LOG = System.getLogger(Database.class.getName());

    /** The database behind {@code dataSource}; warns of an H2 older than {@link #H2_WITHOUT_STALE_READS}. */
    static Database detect(DataSource dataSource) {
        try (Connection connection = dataSource.getConnection()) {
            DatabaseMetaData metaData = connection.getMetaData();
            Database database = of(metaData.getDatabaseProductName());
            if (database == H2) {
                staleReadsOf(metaData.getDatabaseProductVersion()).ifPresent(
                        warning -> LOG.log(System.Logger.Level.WARNING, warning));
            }
            return database;
        } catch (SQLException e) {
            throw new NventException("NVENT-0306 cannot connect to the store's database: " + e.getMessage(), e);
        }
    }

    /**
     * What an H2 of {@code version} (as its driver gives it, e.g. {@code 2.2.224 (2023-09-17)}) does wrong, if it is
     * older than {@link #H2_WITHOUT_STALE_READS}: a read racing with another connection's commit could be cached with
     * the row as it was before it, and handed back at each read of the same statement until the table next changed.
     *
     * @return the warning ({@code NVENT-0333}); empty for that release or a later one, or a version not understood
     */
    static Optional<String> staleReadsOf(String version) {
        Matcher numbers = Pattern.compile("^(\\d+)\\.(\\d+)\\.(\\d+)").matcher(version);
        if (!numbers.find()) {
            return Optional.empty();
        }
        int[] found = {Integer.parseInt(numbers.group(1)), Integer.parseInt(numbers.group(2)),
                Integer.parseInt(numbers.group(3))};
        int[] fixed = {2, 3, 230};
        if (Arrays.compare(found, fixed) >= 0) {
            return Optional.empty();
        }
        return Optional.of("NVENT-0333 the store's database is H2 " + version + ", whose result cache can hand a"
                + " connection a row as it was before another connection's commit, again at each read until the table"
                + " changes next (h2database#3894, fixed in H2 " + H2_WITHOUT_STALE_READS + "): instances sharing it"
                + " may act on a run, lease or trigger as it was, and a change of a trigger may give up after its"
                + " attempts; use H2 " + H2_WITHOUT_STALE_READS + " or later (for a server's default datasource, the H2"
                + " the server bundles), or PostgreSQL");
    }
}
