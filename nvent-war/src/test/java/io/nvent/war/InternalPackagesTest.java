package io.nvent.war;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A module's {@code internal} packages promise nothing and may change in any release (README, "How
 * it works"): no other module names them, in its code or its tests, by an import, a fully qualified
 * name, a string (a logger's name, a class loaded by name) or a package declaration of its own. A
 * test that needs what only an internal class does asks for a public way instead, which users want
 * too. Checked over every source of the build (each module's files under {@code src}, its
 * {@code pom.xml} and scripts, and the parent {@code pom.xml}), so that the rule cannot come back.
 */
class InternalPackagesTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    /** The name of an internal package, up to its first {@code internal} segment. */
    private static final Pattern INTERNAL = Pattern.compile("io[./]nvent[./](?:[a-z0-9_]+[./])*?internal\\b");
    /**
     * The one exception, which README names: what nvent-api keeps in its internal SPI package is
     * shared by the engine and the adapter modules that use it (the live event streams' sending
     * thread, transaction hooks, …), still with no promise to anyone else.
     */
    private static final Map<String, Set<String>> SHARED = Map.of("io.nvent.spi.internal",
            Set.of("nvent-cdi", "nvent-jpa-store", "nvent-jms-queue", "nvent-postgres", "nvent-web"));

    /** Starts the declaration above, the one line of the build allowed to name the shared package anywhere. */
    private static final String SHARED_DECLARATION = "SHARED = Map.of(";
    private static final Path THIS_TEST = Path.of("src/test/java/io/nvent/war/InternalPackagesTest.java");

    @Test
    void noModuleNamesTheInternalPackagesOfAnother() throws IOException {
        List<Path> modules = modules();
        assertThat(modules).extracting(module -> module.getFileName().toString())
                .contains("nvent-api", "nvent-cdi", "nvent-web", "nvent-war", "nvent-test", "bench");
        Set<String> reachedIn = new TreeSet<>();
        Set<String> sharedWith = new TreeSet<>();
        int ownReferences = 0;
        for (Path module : modules) {
            Set<String> own = ownInternalPackages(module);
            for (Path file : sourcesOf(module)) {
                List<String> lines = linesOf(file);
                for (int line = 0; line < lines.size(); line++) {
                    if (file.endsWith(THIS_TEST) && lines.get(line).contains(SHARED_DECLARATION)) {
                        continue;   // names the shared package to state the exception
                    }
                    Matcher named = INTERNAL.matcher(lines.get(line));
                    while (named.find()) {
                        String pkg = named.group().replace('/', '.');
                        if (own.contains(pkg)) {
                            ownReferences++;
                        } else if (SHARED.getOrDefault(pkg, Set.of()).contains(module.getFileName().toString())) {
                            sharedWith.add(module.getFileName().toString());
                        } else {
                            reachedIn.add(ROOT.relativize(file) + ":" + (line + 1) + ": " + lines.get(line).strip());
                        }
                    }
                }
            }
        }

        assertThat(ownReferences).as("what each module names of its own internal packages: the scan sees the code")
                .isGreaterThan(500);
        assertThat(reachedIn).as("another module's internal packages named in").isEmpty();
        assertThat(sharedWith).as("the modules that use the shared package: the exception names no other")
                .containsExactlyInAnyOrderElementsOf(SHARED.values().stream().flatMap(Set::stream).toList());
    }

    /**
     * The directories of the build: the parent, the modules and the others beside them with sources
     * or a pom (e.g. bench).
     */
    private static List<Path> modules() throws IOException {
        try (Stream<Path> children = Files.list(ROOT)) {
            return Stream.concat(Stream.of(ROOT), children.filter(dir -> Files.isDirectory(dir.resolve("src"))
                    || Files.isRegularFile(dir.resolve("pom.xml"))).sorted()).toList();
        }
    }

    /** The internal packages whose code is in the module's main sources. */
    private static Set<String> ownInternalPackages(Path module) throws IOException {
        Path main = module.resolve("src/main/java");
        if (!Files.isDirectory(main)) {
            return Set.of();
        }
        try (Stream<Path> dirs = Files.walk(main)) {
            return dirs.filter(dir -> Files.isDirectory(dir) && dir.getFileName().toString().equals("internal"))
                    .map(dir -> main.relativize(dir).toString().replace(java.io.File.separatorChar, '.'))
                    .collect(java.util.stream.Collectors.toSet());
        }
    }

    /**
     * Every file under the module's {@code src} (code, tests, resources: service files, deployment
     * descriptors, properties), its {@code pom.xml} and its scripts.
     */
    private static List<Path> sourcesOf(Path module) throws IOException {
        List<Path> sources = new ArrayList<>();
        try (Stream<Path> build = Files.list(module)) {
            build.filter(file -> Files.isRegularFile(file) && (file.getFileName().toString().equals("pom.xml")
                    || file.getFileName().toString().endsWith(".sh"))).sorted().forEach(sources::add);
        }
        if (Files.isDirectory(module.resolve("src"))) {
            try (Stream<Path> files = Files.walk(module.resolve("src"))) {
                files.filter(Files::isRegularFile).sorted().forEach(sources::add);
            }
        }
        return sources;
    }

    /**
     * The file's lines, read as ISO-8859-1: every byte is a character, so that no file is left out
     * (a {@code .properties} file is ISO-8859-1, not UTF-8), and a package name, ASCII, reads the same
     * in either.
     */
    private static List<String> linesOf(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
