package io.nvent.cdi.internal.engine;

import io.nvent.cdi.NventConfig;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Reading the engine's settings goes on past an invalid value, so that all of them are reported at once. */
class SettingsReadingTest {

    private static SettingsReading of(Map<String, String> values) {
        return new SettingsReading(new NventConfig(key -> Optional.ofNullable(values.get(key))));
    }

    @Test
    void everyInvalidValueIsReportedInOneFailureEachWithItsOwnId() {
        SettingsReading read = of(Map.of("nvent.queue.concurrency", "0", "nvent.stall.timeout-ms", "5",
                "nvent.stall.recover", "flase"));

        assertThat(read.getInt("nvent.queue.concurrency", 4, 1)).as("the default in the meantime").isEqualTo(4);
        assertThat(read.getMillis("nvent.stall.timeout-ms", Duration.ofSeconds(60), Duration.ofSeconds(1)))
                .isEqualTo(Duration.ofSeconds(60));
        assertThat(read.getBoolean("nvent.stall.recover", true)).isTrue();
        assertThat(read.getLong("nvent.scheduler.poll-ms", 500, 10)).isEqualTo(500);

        assertThatThrownBy(read::failIfInvalid).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("NVENT-0191 3 settings are invalid; fix them all before deploying again:"
                        + "\n  - NVENT-0001 configuration key nvent.queue.concurrency must be at least 1, was 0"
                        + "\n  - NVENT-0001 configuration key nvent.stall.timeout-ms must be at least 1000 ms, was 5 ms"
                        + "\n  - NVENT-0001 configuration key nvent.stall.recover has value 'flase', which is neither "
                        + "true nor false")
                .satisfies(e -> assertThat(e.getSuppressed()).hasSize(3));
    }

    @Test
    void oneInvalidValueFailsWithItsOwnMessageAndNoneDoesNotFail() {
        SettingsReading one = of(Map.of("nvent.payload.max-bytes", "12"));
        one.getInt("nvent.payload.max-bytes", 1024 * 1024, 1024);
        one.invalid("NVENT-0001 a check across settings");

        SettingsReading fine = of(Map.of("nvent.payload.max-bytes", "2048"));
        assertThat(fine.getInt("nvent.payload.max-bytes", 1024 * 1024, 1024)).isEqualTo(2048);

        assertThatThrownBy(one::failIfInvalid).hasMessageStartingWith("NVENT-0191 2 settings are invalid");
        assertThatCode(fine::failIfInvalid).doesNotThrowAnyException();
        SettingsReading single = of(Map.of("nvent.payload.max-bytes", "12"));
        single.getInt("nvent.payload.max-bytes", 1024 * 1024, 1024);
        assertThatThrownBy(single::failIfInvalid)
                .hasMessage("NVENT-0001 configuration key nvent.payload.max-bytes must be at least 1024, was 12");
    }

    @Test
    void aDefaultThatEveryQueueReadsIsOneProblemNotOnePerQueue() {
        SettingsReading read = of(Map.of("nvent.queue.limiter.scope", "global"));
        NventConfig config = new NventConfig(key -> Optional.ofNullable(Map.of("nvent.queue.limiter.scope", "global")
                .get(key)));

        for (String queue : java.util.List.of("orders", "mail", "audit")) {
            read.valid(() -> QueueRateLimits.perInstance(config, queue), false);
        }

        assertThatThrownBy(read::failIfInvalid).hasMessageStartingWith("NVENT-0001 configuration key "
                + "nvent.queue.limiter.scope must be cluster");
    }

    @Test
    void aDurationIsReadInIso8601AndABadOneIsReportedNamingItsKey() {
        SettingsReading read = of(Map.of("nvent.upgrade.missing-step-grace", "PT2M"));
        SettingsReading bad = of(Map.of("nvent.upgrade.missing-step-grace", "10m"));
        SettingsReading negative = of(Map.of("nvent.upgrade.missing-step-grace", "-PT1S"));

        assertThat(read.getDuration("nvent.upgrade.missing-step-grace", Duration.ofMinutes(10)))
                .isEqualTo(Duration.ofMinutes(2));
        assertThat(of(Map.of()).getDuration("nvent.upgrade.missing-step-grace", Duration.ofMinutes(10)))
                .isEqualTo(Duration.ofMinutes(10));
        bad.getDuration("nvent.upgrade.missing-step-grace", Duration.ofMinutes(10));
        negative.getDuration("nvent.upgrade.missing-step-grace", Duration.ofMinutes(10));

        assertThatThrownBy(bad::failIfInvalid).hasMessage("NVENT-0001 configuration key"
                + " nvent.upgrade.missing-step-grace has value '10m', which is not an ISO-8601 duration such as PT10M");
        assertThatThrownBy(negative::failIfInvalid).hasMessage("NVENT-0001 configuration key"
                + " nvent.upgrade.missing-step-grace must not be negative, was '-PT1S'");
    }

    @Test
    void aDurationThatMustBeLongerThanZeroIsRefusedAsWrittenNotAsItsNormalisedForm() {
        SettingsReading zero = of(Map.of("nvent.triggers.misfire-grace", "P0D"));

        assertThat(zero.getPositiveDuration("nvent.triggers.misfire-grace", Duration.ofHours(24), " (hint)"))
                .as("the default meanwhile, so that the other settings are read").isEqualTo(Duration.ofHours(24));
        assertThatThrownBy(zero::failIfInvalid).hasMessage("NVENT-0001 configuration key"
                + " nvent.triggers.misfire-grace must be longer than zero, was 'P0D' (hint)");
        assertThat(of(Map.of("nvent.triggers.misfire-grace", " PT6H ")).getPositiveDuration(
                "nvent.triggers.misfire-grace", Duration.ofHours(24), "")).isEqualTo(Duration.ofHours(6));
    }
}
