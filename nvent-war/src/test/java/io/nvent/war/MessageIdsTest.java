package io.nvent.war;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every message id ({@code NVENT-xxxx}) an operator may search for sits in the range of the module
 * that logs or throws it (README, "Operations"), so that one id never means two things.
 */
class MessageIdsTest {

    /** Module to the hundreds its ids may use. */
    private static final Map<String, Set<String>> RANGES = Map.of(
            "nvent-api", Set.of("02", "11"),
            "nvent-cdi", Set.of("00", "01", "03", "04", "05"),
            "nvent-jpa-store", Set.of("03"),
            "nvent-jms-queue", Set.of("06"),
            "nvent-web", Set.of("02", "07", "11"),
            "nvent-postgres", Set.of("08"),
            "nvent-artemis-rar", Set.of("09"),
            "nvent-opentelemetry", Set.of("10"));

    private static final Pattern ID = Pattern.compile("NVENT-(\\d\\d)\\d\\d");

    @Test
    void everyModuleUsesOnlyTheIdsOfItsOwnRange() {
        Path root = Path.of("..").toAbsolutePath().normalize();
        Set<String> misplaced = new TreeSet<>();
        int ids = 0;
        for (Map.Entry<String, Set<String>> module : RANGES.entrySet()) {
            Path sources = root.resolve(module.getKey()).resolve("src/main/java");
            assertThat(sources).as("sources of " + module.getKey()).isDirectory();
            try (Stream<Path> files = Files.walk(sources)) {
                for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                    Matcher id = ID.matcher(Files.readString(file));
                    while (id.find()) {
                        ids++;
                        if (!module.getValue().contains(id.group(1))) {
                            misplaced.add(id.group() + " in " + root.relativize(file));
                        }
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        assertThat(ids).as("ids found").isGreaterThan(100);
        assertThat(misplaced).isEmpty();
    }
}
