package io.nvent.cdi;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Numbers in the configuration, and what a wrong one says. */
class NventConfigTest {

    private static NventConfig of(Map<String, String> values) {
        return new NventConfig(key -> Optional.ofNullable(values.get(key)));
    }

    @Test
    void anAbsentKeyTakesItsDefaultAndAPresentOneItsValue() {
        NventConfig config = of(Map.of("nvent.queue.concurrency", " 8 ", "nvent.stall.timeout-ms", "1500"));

        assertThat(config.getInt("nvent.queue.concurrency", 4, 1)).isEqualTo(8);
        assertThat(config.getInt("nvent.queue.mail.concurrency", 4, 1)).isEqualTo(4);
        assertThat(config.getMillis("nvent.stall.timeout-ms", Duration.ofSeconds(60), Duration.ofSeconds(1)))
                .isEqualTo(Duration.ofMillis(1500));
    }

    @Test
    void aNegativeNumberIsRefusedForEveryKeyNamingIt() {
        NventConfig config = of(Map.of("nvent.step.backoff-delay-ms", "-5", "nvent.scheduler.poll-ms", "-1"));

        assertThatThrownBy(() -> config.getMillis("nvent.step.backoff-delay-ms", Duration.ofSeconds(1)))
                .hasMessage("NVENT-0001 configuration key nvent.step.backoff-delay-ms must be at least 0 ms, was -5 ms");
        assertThatThrownBy(() -> config.getLong("nvent.scheduler.poll-ms", 500))
                .hasMessageContaining("nvent.scheduler.poll-ms must be at least 0");
    }

    @Test
    void aNumberBelowTheKeysMinimumOrNoNumberIsRefusedNamingTheKey() {
        NventConfig config = of(Map.of("nvent.queue.concurrency", "0", "nvent.stall.timeout-ms", "500",
                "nvent.ws.max-queued-messages", "abc"));

        assertThatThrownBy(() -> config.getInt("nvent.queue.concurrency", 4, 1))
                .hasMessage("NVENT-0001 configuration key nvent.queue.concurrency must be at least 1, was 0");
        assertThatThrownBy(() -> config.getMillis("nvent.stall.timeout-ms", Duration.ofSeconds(60),
                Duration.ofSeconds(1))).hasMessageContaining("must be at least 1000 ms, was 500 ms");
        assertThatThrownBy(() -> config.getInt("nvent.ws.max-queued-messages", 1000, 1))
                .hasMessageContaining("nvent.ws.max-queued-messages has value 'abc', which is not a number");
    }

    @Test
    void aSwitchIsTrueOrFalseAndATypoFailsInsteadOfReadingAsFalse() {
        NventConfig config = of(Map.of("nvent.security.enabled", "flase", "nvent.ui.enabled", " FALSE ",
                "nvent.stall.recover", "yes"));

        assertThatThrownBy(() -> config.getBoolean("nvent.security.enabled", true))
                .hasMessage("NVENT-0001 configuration key nvent.security.enabled has value 'flase', which is neither"
                        + " true nor false");
        assertThatThrownBy(() -> config.getBoolean("nvent.stall.recover", true)).hasMessageContaining("'yes'");
        assertThat(config.getBoolean("nvent.ui.enabled", true)).isFalse();
        assertThat(config.getBoolean("nvent.engine.enabled", true)).isTrue();
    }

    @Test
    void aBaseUrlMustBeAnAbsoluteHttpUrl() {
        NventConfig config = of(Map.of("nvent.webhooks.base-url", "localhost:8080",
                "b", " https://nvent.example.com/x "));

        assertThatThrownBy(() -> config.getHttpUrl("nvent.webhooks.base-url", "http://localhost:8080"))
                .hasMessage("NVENT-0001 configuration key nvent.webhooks.base-url has value 'localhost:8080', which is"
                        + " not an absolute http:// or https:// URL");
        assertThat(config.getHttpUrl("b", "http://localhost:8080")).isEqualTo("https://nvent.example.com/x");
        assertThat(config.getHttpUrl("absent", "http://localhost:8080")).isEqualTo("http://localhost:8080");
    }
}
