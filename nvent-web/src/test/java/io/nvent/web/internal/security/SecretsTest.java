package io.nvent.web.internal.security;

import io.nvent.cdi.NventConfig;
import io.nvent.web.internal.WebSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Every secret nvent checks is compared by {@link Secrets}, one constant-time comparison for the project. */
class SecretsTest {

    @Test
    void noClassButSecretsComparesBytesOfASecretItself() throws IOException {
        Path sources = Path.of("src/main/java");
        try (Stream<Path> files = Files.walk(sources)) {
            List<String> comparing = files.filter(file -> file.toString().endsWith(".java"))
                    .filter(file -> !file.getFileName().toString().equals("Secrets.java"))
                    .filter(file -> read(file).contains("MessageDigest.isEqual"))
                    .map(file -> sources.relativize(file).toString()).toList();

            assertThat(comparing).as("compare with Secrets.matchesAny or matchesAnyBytes").isEmpty();
        }
    }

    @Test
    void theBuiltInUserIsAcceptedOnlyWithBothItsNameAndItsPassword() {
        CredentialCheck check = new CredentialCheck(WebSettings.read(new NventConfig(key -> Optional.ofNullable(
                Map.of("nvent.security.username", "ops", "nvent.security.password", "a-long-password").get(key)))));

        assertThat(check.validate("ops", "a-long-password")).hasValueSatisfying(caller -> {
            assertThat(caller.name()).isEqualTo("ops");
            assertThat(caller.roles()).containsExactly("nvent-admin");
        });
        assertThat(check.validate("ops", "a-long-passwor")).isEmpty();
        assertThat(check.validate("ops", "a-long-password ")).isEmpty();
        assertThat(check.validate("Ops", "a-long-password")).isEmpty();
        assertThat(check.validate("", "")).isEmpty();
    }

    @Test
    void aValueMatchesWhicheverOfTheConfiguredOnesItIs() {
        assertThat(Secrets.matchesAny("new-key", List.of("old-key", "new-key"))).isTrue();
        assertThat(Secrets.matchesAny("new-ke", List.of("old-key", "new-key"))).isFalse();
        assertThat(Secrets.matchesAny("anything", List.of())).isFalse();
        assertThat(Secrets.matchesAnyBytes(new byte[] {1, 2}, List.of(new byte[] {1, 2, 3}, new byte[] {1, 2})))
                .isTrue();
        assertThat(Secrets.matchesAnyBytes(new byte[] {1, 2}, List.of(new byte[] {1, 2, 3}))).isFalse();
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
