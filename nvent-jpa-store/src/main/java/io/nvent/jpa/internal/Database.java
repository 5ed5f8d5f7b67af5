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

    /**
     * The first H2 release whose result cache hands no connection a row as it was before a commit (h2database#3894,
     * fixed by #4095 after 2.3.230).
     */
    static final String H2_WITHOUT_STALE_READS = "2.3.232";
    private static final String H2_CONNECTION = "org.h2.jdbc.JdbcConnection";

    private static final System.Logger LOG = System.getLogger(Database.class.getName());

    /**
     * The database behind {@code dataSource}; warns of an H2 older than {@link #H2_WITHOUT_STALE_READS} that reuses
     * query results.
     */
    static Database detect(DataSource dataSource) {
        try (Connection connection = dataSource.getConnection()) {
            DatabaseMetaData metaData = connection.getMetaData();
            Database database = of(metaData.getDatabaseProductName());
            if (database == H2) {
                staleReadsOf(metaData.getDatabaseProductVersion(), resultReuseOff(connection)).ifPresent(
                        warning -> LOG.log(System.Logger.Level.WARNING, warning));
            }
            return database;
        } catch (SQLException e) {
            throw new NventException("NVENT-0306 cannot connect to the store's database: " + e.getMessage(), e);
        }
    }

    /**
     * What an H2 of {@code version} (as its driver gives it, e.g. {@code 2.2.224 (2023-09-17)}) does wrong, if it is
     * older than {@link #H2_WITHOUT_STALE_READS} and reuses query results: a read racing with another connection's
     * commit could be cached with the row as it was before it, and handed back at each read of the same statement
     * until the table next changed.
     *
     * @param resultReuseOff whether the database runs with {@code OPTIMIZE_REUSE_RESULTS} off, which keeps that cache
     *     from handing back any result
     * @return the warning ({@code NVENT-0333}); empty for that release or a later one, a version not understood, or an
     *     H2 that reuses no results
     */
    static Optional<String> staleReadsOf(String version, boolean resultReuseOff) {
        Matcher numbers = Pattern.compile("^(\\d+)\\.(\\d+)\\.(\\d+)").matcher(version);
        if (resultReuseOff || !numbers.find()) {
            return Optional.empty();
        }
        int[] found = {Integer.parseInt(numbers.group(1)), Integer.parseInt(numbers.group(2)),
                Integer.parseInt(numbers.group(3))};
        int[] fixed = {2, 3, 232};
        if (Arrays.compare(found, fixed) >= 0) {
            return Optional.empty();
        }
        return Optional.of("NVENT-0333 the store's database is H2 " + version + ", whose result cache can hand a"
                + " connection a row as it was before another connection's commit, again at each read until the table"
                + " changes next (h2database#3894, fixed in H2 " + H2_WITHOUT_STALE_READS + "): this instance's threads"
                + " and other instances sharing the database may act on a run, lease or trigger as it was, and a change"
                + " of a trigger may fail after its attempts; add ;OPTIMIZE_REUSE_RESULTS=FALSE to its JDBC URL (for a server's datasource, in the"
                + " server's configuration of it), or use H2 " + H2_WITHOUT_STALE_READS + " or later, or PostgreSQL");
    }

    /**
     * Whether the H2 database behind {@code connection} runs with {@code OPTIMIZE_REUSE_RESULTS} off. H2 lists that
     * setting in no {@code INFORMATION_SCHEMA} table, so it is read from H2's own objects (an embedded database's
     * {@code Database.getOptimizeReuseResults()}, the same in H2 2.x and 1.4), through a pool's or server's wrapper:
     * by {@link Connection#unwrap} where H2's classes are visible here, else by the wrapper's own accessor of the
     * connection it holds (Payara's pools serve a WAR its H2 from a class loader the WAR cannot name).
     *
     * @return false also when it cannot be read (a remote H2, no way through the wrapper): then it is not known off
     */
    static boolean resultReuseOff(Connection connection) {
        return h2ConnectionBehind(connection).map(Database::resultReuseOffOf).orElse(false);
    }

    private static Optional<Object> h2ConnectionBehind(Connection connection) {
        for (ClassLoader loader : new ClassLoader[] {Thread.currentThread().getContextClassLoader(),
                Database.class.getClassLoader(), connection.getClass().getClassLoader()}) {
            try {
                Class<?> h2Connection = Class.forName(H2_CONNECTION, false, loader);
                if (connection.isWrapperFor(h2Connection)) {
                    return Optional.of(connection.unwrap(h2Connection));
                }
            } catch (ReflectiveOperationException | SQLException | RuntimeException | LinkageError notVisible) {
                // try the next class loader, then the wrapper's accessors
            }
        }
        Object held = connection;
        for (int depth = 0; depth < 4 && held != null; depth++) {
            if (isH2Connection(held.getClass())) {
                return Optional.of(held);
            }
            held = heldConnection(held);
        }
        return Optional.empty();
    }

    private static boolean isH2Connection(Class<?> type) {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            if (c.getName().equals(H2_CONNECTION)) {
                return true;
            }
        }
        return false;
    }

    /** The connection a pool's or server's wrapper holds (Payara/GlassFish, DBCP and c3p0 name their accessor so). */
    private static Object heldConnection(Object wrapper) {
        for (String accessor : new String[] {"getConnection", "getInnermostDelegate", "getDelegate", "getRawConnection"}) {
            try {
                Object held = wrapper.getClass().getMethod(accessor).invoke(wrapper);
                if (held instanceof Connection && held != wrapper) {
                    return held;
                }
            } catch (ReflectiveOperationException | RuntimeException | LinkageError noSuchAccessor) {
                // try the next name
            }
        }
        return null;
    }

    private static boolean resultReuseOffOf(Object h2Connection) {
        try {
            Object session = h2Connection.getClass().getMethod("getSession").invoke(h2Connection);
            Object database = session.getClass().getMethod("getDatabase").invoke(session);
            return Boolean.FALSE.equals(database.getClass().getMethod("getOptimizeReuseResults").invoke(database));
        } catch (ReflectiveOperationException | RuntimeException | LinkageError notReadable) {
            return false;
        }
    }
}
