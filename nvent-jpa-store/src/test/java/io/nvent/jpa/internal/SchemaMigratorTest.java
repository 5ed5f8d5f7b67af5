package io.nvent.jpa.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class SchemaMigratorTest {

    @Test
    void listsEveryMigrationScriptShipped() throws IOException, URISyntaxException {
        // Scripts are loaded by name (no scanning), so an unlisted script would silently never run.
        URL location = SchemaMigrator.class.getClassLoader().getResource(SchemaMigrator.LOCATION);
        try (Stream<Path> files = Files.list(Path.of(location.toURI()))) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".sql")))
                    .containsExactlyInAnyOrderElementsOf(SchemaMigrator.SCRIPTS);
        }
    }

    @Test
    void prefersVendorSpecificScripts() {
        assertThat(SchemaMigrator.script(Database.POSTGRESQL, "V1__create_store_schema.sql"))
                .isEqualTo(SchemaMigrator.LOCATION + "V1__create_store_schema.sql");
        assertThat(SchemaMigrator.script(Database.POSTGRESQL, "V2__lean_history.sql"))
                .isEqualTo(SchemaMigrator.LOCATION + "postgresql/V2__lean_history.sql");
        assertThat(SchemaMigrator.script(Database.H2, "V2__lean_history.sql"))
                .isEqualTo(SchemaMigrator.LOCATION + "V2__lean_history.sql");
    }

    /**
     * A database other than H2 and PostgreSQL ({@link Database#OTHER}) runs the scripts at the top of the location:
     * SQL only H2 knows there would fail its deployment at the upgrade, so it goes in the h2 folder.
     */
    @Test
    void givesADatabaseOtherThanH2AndPostgresqlNoScriptWithSqlOnlyH2Knows() throws IOException {
        for (String name : SchemaMigrator.SCRIPTS) {
            String script = SchemaMigrator.script(Database.OTHER, name);
            try (var in = SchemaMigrator.class.getClassLoader().getResourceAsStream(script)) {
                assertThat(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
                        .toLowerCase(java.util.Locale.ROOT)).as(script)
                        .doesNotContain("regexp_substr(", "merge into", " char(");
            }
        }
        assertThat(SchemaMigrator.script(Database.H2, "V45__instance_build_and_run_error.sql"))
                .isEqualTo(SchemaMigrator.LOCATION + "h2/V45__instance_build_and_run_error.sql");
    }
}
