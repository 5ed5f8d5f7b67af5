package io.nvent.postgres.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The DDL shipped in {@code META-INF/nvent-postgres/*.sql}, with the table prefix filled in.
 * Creation is idempotent ({@code IF NOT EXISTS}) and serialised by an advisory lock, because
 * {@code CREATE TABLE IF NOT EXISTS} run by two instances at once can still fail on the second.
 */
public final class Schema {

    private Schema() {
    }

    /** Statements of a schema script for a prefix. */
    public static List<String> statements(String script, String prefix) {
        String text;
        try (InputStream in = Schema.class.getResourceAsStream("/META-INF/nvent-postgres/" + script)) {
            if (in == null) {
                throw new IllegalStateException("schema script " + script + " missing from the nvent-postgres jar");
            }
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> statements = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : text.split("\n")) {
            String trimmed = line.strip();
            if (trimmed.startsWith("--") || trimmed.isEmpty()) {
                continue;
            }
            current.append(line).append('\n');
            if (trimmed.endsWith(";")) {
                statements.add(current.toString().strip().replace("${prefix}", prefix));
                current.setLength(0);
            }
        }
        return statements;
    }

    /** Creates what is missing. */
    public static void create(Connection connection, String script, String prefix) throws SQLException {
        Jdbc.executeLocked(connection, "nvent-postgres:" + script + ":" + prefix, statements(script, prefix));
    }
}
