package io.nvent.test;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * This module uses nvent as the applications it tests do: through public API only. Another module's
 * {@code internal} packages promise nothing and may change in any release, so no source of this
 * module, its tests included, imports them.
 */
class OtherModulesInternalsTest {

    private static final Pattern INTERNAL_IMPORT = Pattern.compile(
            "^import\\s+(?:static\\s+)?(io\\.nvent\\.[\\w.]*\\binternal\\b[\\w.*]*)\\s*;", Pattern.MULTILINE);

    @Test
    void noSourceOfThisModuleImportsTheInternalPackagesOfAnother() throws IOException {
        List<Path> sources;
        try (Stream<Path> files = Files.walk(Path.of("src"))) {
            sources = files.filter(file -> file.toString().endsWith(".java")).toList();
        }
        assertThat(sources).as("sources of nvent-test").contains(Path.of("src/main/java/io/nvent/test/FlowTestEnvironment.java"));

        List<String> imports = sources.stream().flatMap(file -> internalImports(file).stream()
                .filter(imported -> !imported.startsWith("io.nvent.test."))
                .map(imported -> file + ": " + imported)).toList();

        assertThat(imports).isEmpty();
    }

    private static List<String> internalImports(Path file) {
        try {
            Matcher imported = INTERNAL_IMPORT.matcher(Files.readString(file));
            return imported.results().map(match -> match.group(1)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
