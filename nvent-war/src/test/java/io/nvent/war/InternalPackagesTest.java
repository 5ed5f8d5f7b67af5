package io.nvent.war;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.MalformedInputException;
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
 * too. Checked over the sources of every module of the build, so that the rule cannot come back.
 */
class InternalPackagesTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    /** The name of an internal package, up to its first {@code internal} segment. */
    private static final Pattern INTERNAL = Pattern.compile("io[./]nvent[./](?:[a-z0-9_]+[./])*?internal\\b");
    /**
     * The one exception, which README names: what nvent-api keeps in {@code io.nvent.spi.internal}
     * is shared by the engine and the adapter modules (the live event streams' sending thread,
     * transaction hooks, …), still with no promise to anyone else.
     */
    private static final Map<String, Set<String>> SHARED = Map.of("io.nvent.spi.internal",
            Set.of("nvent-cdi", "nvent-jpa-store", "nvent-jms-queue", "nvent-postgres", "nvent-artemis-rar"));

    private static final Path THIS_TEST = Path.of("src/test/java/io/nvent/war/InternalPackagesTest.java");

    @Test
    void noModuleNamesTheInternalPackagesOfAnother() throws IOException {
        List<Path> modules = modules();
        assertThat(modules).extracting(module -> module.getFileName().toString())
                .contains("nvent-api", "nvent-cdi", "nvent-web", "nvent-war", "nvent-test", "bench");
        Set<String> reachedIn = new TreeSet<>();
        int ownReferences = 0;
        for (Path module : modules) {
            Set<String> own = ownInternalPackages(module);
            for (Path file : sourcesOf(module)) {
                if (file.endsWith(THIS_TEST)) {
                    continue;   // names the shared package to state the exception
                }
                List<String> lines = linesOf(file);
                for (int line = 0; line < lines.size(); line++) {
                    Matcher named = INTERNAL.matcher(lines.get(line));
                    while (named.find()) {
                        String pkg = named.group().replace('/', '.');
                        if (own.contains(pkg)) {
                            ownReferences++;
                        } else if (!SHARED.getOrDefault(pkg, Set.of()).contains(module.getFileName().toString())) {
                            reachedIn.add(ROOT.relativize(file) + ":" + (line + 1) + ": " + lines.get(line).strip());
                        }
                    }
                }
            }
        }

        assertThat(ownReferences).as("what each module names of its own internal packages: the scan sees the code")
                .isGreaterThan(500);
        assertThat(reachedIn).as("another module's internal packages named in").isEmpty();
    }

    /** The directories of the build that hold sources: the modules and the others beside them (e.g. bench). */
    private static List<Path> modules() throws IOException {
        try (Stream<Path> children = Files.list(ROOT)) {
            return children.filter(dir -> Files.isDirectory(dir.resolve("src"))).sorted().toList();
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

    /** Every text file under {@code src}: code, tests, resources (service files, deployment descriptors). */
    private static List<Path> sourcesOf(Path module) throws IOException {
        try (Stream<Path> files = Files.walk(module.resolve("src"))) {
            return files.filter(Files::isRegularFile).sorted().toList();
        }
    }

    private static List<String> linesOf(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (MalformedInputException binary) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
