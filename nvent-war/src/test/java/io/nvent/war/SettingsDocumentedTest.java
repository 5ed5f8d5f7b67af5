package io.nvent.war;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The settings each module lists as the ones it reads ({@code META-INF/nvent/settings}, what the
 * engine's warning about unknown names, NVENT-0004, knows), the keys its code reads, and the root
 * README agree: a key read but not listed would be reported as unknown although it works, and one
 * listed but not documented is a setting a user cannot find.
 */
class SettingsDocumentedTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    /** Modules whose settings are the product's (the demo's, the tests' and the benchmark's are their own). */
    private static final List<String> PRODUCT_MODULES = List.of("nvent-cdi", "nvent-web", "nvent-jpa-store",
            "nvent-jms-queue", "nvent-postgres");
    private static final Pattern KEY_LITERAL = Pattern.compile("\"(nvent\\.[A-Za-z0-9.-]*)\"");
    private static final Pattern DOCUMENTED_KEY = Pattern.compile("`(nvent\\.[a-z0-9.<>-]*[a-z0-9>])`");

    @Test
    void everyKeyTheCodeOfAModuleNamesIsInTheListOfThatModule() throws IOException {
        List<String> declared = new ArrayList<>();
        for (Path module : modulesWithSettings()) {
            declared.addAll(declaredIn(module));
        }
        for (Path module : modulesWithSettings()) {
            List<String> undeclared = new ArrayList<>();
            for (String literal : keyLiteralsIn(module.resolve("src/main/java"))) {
                boolean covered = literal.endsWith(".")
                        ? declared.stream().anyMatch(name -> name.startsWith(literal))
                        : declared.stream().anyMatch(name -> asRegex(name).matcher(literal).matches());
                if (!covered) {
                    undeclared.add(literal);
                }
            }
            assertThat(undeclared).as("keys read in " + module.getFileName() + " but missing from every "
                    + "META-INF/nvent/settings (NVENT-0004 would call them unknown)").isEmpty();
        }
    }

    @Test
    void everyProductSettingIsDocumentedInTheReadme() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"));
        List<String> undocumented = new ArrayList<>();
        for (String module : PRODUCT_MODULES) {
            for (String name : declaredIn(ROOT.resolve(module))) {
                if (!readme.contains("`" + name.replace("*", "<name>") + "`")) {
                    undocumented.add(module + ": " + name);
                }
            }
        }
        assertThat(undocumented).as("settings no table of README.md names (as `key`, `*` written <name>)").isEmpty();
    }

    @Test
    void everyKeyTheReadmesTablesDocumentIsOneAModuleReads() throws IOException {
        List<String> declared = new ArrayList<>();
        for (Path module : modulesWithSettings()) {
            declared.addAll(declaredIn(module));
        }
        TreeSet<String> unknown = new TreeSet<>();
        for (String row : Files.readAllLines(ROOT.resolve("README.md"))) {
            if (!row.startsWith("| `nvent.")) {
                continue;
            }
            Matcher keys = DOCUMENTED_KEY.matcher(row.substring(0, row.indexOf(" |", 2)));
            while (keys.find()) {
                String key = keys.group(1).replace("<name>", "*");
                if (declared.stream().noneMatch(name -> name.equals(key) || asRegex(name).matcher(key).matches())) {
                    unknown.add(keys.group(1));
                }
            }
        }
        assertThat(unknown).as("keys the first column of README.md's tables documents that no module reads").isEmpty();
    }

    private static List<Path> modulesWithSettings() throws IOException {
        try (Stream<Path> modules = Files.list(ROOT)) {
            List<Path> found = modules.filter(m -> Files.isRegularFile(settingsOf(m))).sorted().toList();
            assertThat(found).extracting(m -> m.getFileName().toString()).containsAll(PRODUCT_MODULES);
            return found;
        }
    }

    private static Path settingsOf(Path module) {
        return module.resolve("src/main/resources/META-INF/nvent/settings");
    }

    private static List<String> declaredIn(Path module) throws IOException {
        return Files.readAllLines(settingsOf(module)).stream()
                .map(line -> line.replaceAll("#.*", "").trim())
                .filter(line -> !line.isEmpty())
                .toList();
    }

    private static List<String> keyLiteralsIn(Path sources) throws IOException {
        List<String> literals = new ArrayList<>();
        try (Stream<Path> files = Files.walk(sources)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                Matcher literal = KEY_LITERAL.matcher(Files.readString(file));
                while (literal.find()) {
                    literals.add(literal.group(1));
                }
            }
        }
        return literals;
    }

    private static Pattern asRegex(String declared) {
        return Pattern.compile(Pattern.quote(declared).replace("*", "\\E.+\\Q"));
    }
}
