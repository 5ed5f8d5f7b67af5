package io.nvent.jpa;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * An embedded PostgreSQL of one test class that the test stops, as a database that went down, and
 * starts again on the same port with the same data, as one that came back. Not the JVM-wide one of
 * {@link TestDatabases}: other classes keep using that.
 */
final class StoppablePostgres implements AutoCloseable {

    private final Path data;
    private final int port;
    private EmbeddedPostgres running;

    private StoppablePostgres(Path data, EmbeddedPostgres first) {
        this.data = data;
        this.port = first.getPort();
        this.running = first;
    }

    /** A new database, running. */
    static StoppablePostgres start() {
        try {
            Path data = Files.createTempDirectory("nvent-stoppable-pg");
            return new StoppablePostgres(data, builder(data).start());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start embedded PostgreSQL", e);
        }
    }

    /** Its JDBC URL, the same after {@link #startAgain()}; the user is {@code postgres}, the password too. */
    String jdbcUrl() {
        return "jdbc:postgresql://localhost:" + port + "/postgres";
    }

    /** Where it listens, as failures name it: {@code localhost:port}. */
    String address() {
        return "localhost:" + port;
    }

    /** Shuts the server down (fast: open sessions are ended), keeping its data. */
    void stop() {
        try {
            running.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stop embedded PostgreSQL", e);
        }
    }

    /** Starts the server again on the same port and data. */
    void startAgain() {
        try {
            running = builder(data).setPort(port).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start embedded PostgreSQL again", e);
        }
    }

    private static EmbeddedPostgres.Builder builder(Path data) {
        return EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(false)
                .setServerConfig("fsync", "off").setServerConfig("synchronous_commit", "off");
    }

    @Override
    public void close() throws IOException {
        running.close();
        try (Stream<Path> files = Files.walk(data)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }
}
