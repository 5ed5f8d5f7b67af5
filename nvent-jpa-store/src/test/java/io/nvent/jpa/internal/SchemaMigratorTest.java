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
}
