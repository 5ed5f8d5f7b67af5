package io.nvent.cdi.internal.engine;

import io.nvent.cdi.NventConfig;
import io.nvent.cdi.internal.registry.StepDefaults;
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
    void aDefaultRetryScheduleIsReadAsAListOfMillisecondsAndGivesOneAttemptMoreThanItLists() {
        StepDefaults defaults = of(Map.of("nvent.step.retry-delays-ms", "10000, 60_000,600000",
                "nvent.step.retry-jitter", "0.2")).retrySchedule(StepDefaults.STANDARD);

        assertThat(defaults.retryDelays()).containsExactly(Duration.ofSeconds(10), Duration.ofMinutes(1),
                Duration.ofMinutes(10));
        assertThat(defaults.retryJitter()).isEqualTo(0.2);
        assertThat(defaults.maxAttempts()).isEqualTo(4);
        assertThat(of(Map.of()).retrySchedule(StepDefaults.STANDARD)).as("none configured").isEqualTo(StepDefaults.STANDARD);
    }

    @Test
    void aBadDefaultRetryScheduleIsReportedNamingItsKey() {
        SettingsReading read = of(Map.of("nvent.step.retry-delays-ms", "10000,-5", "nvent.step.retry-jitter", "20%"));
        read.retrySchedule(StepDefaults.STANDARD);
        SettingsReading notNumbers = of(Map.of("nvent.step.retry-delays-ms", "10s,1m"));
        notNumbers.retrySchedule(StepDefaults.STANDARD);
        SettingsReading beside = of(Map.of("nvent.step.retry-delays-ms", "1000,2000,3000",
                "nvent.step.backoff-delay-ms", "500", "nvent.step.max-attempts", "3"));
        beside.retrySchedule(new StepDefaults(3, Duration.ofMillis(500), Duration.ofMinutes(5), Duration.ofMinutes(5),
                Duration.ofHours(24), 3));

        assertThatThrownBy(read::failIfInvalid).hasMessage("NVENT-0191 2 settings are invalid; fix them all before"
                + " deploying again:\n  - NVENT-0001 configuration key nvent.step.retry-delays-ms has the delay -5 ms"
                + " before attempt 3, which must be from 0 to 3155760000000 ms (100 years)"
                + "\n  - NVENT-0001 configuration key nvent.step.retry-jitter is the fraction by which a retry delay is"
                + " spread either way, from 0 (none) to 1, was '20%'");
        assertThatThrownBy(notNumbers::failIfInvalid).hasMessage("NVENT-0001 configuration key"
                + " nvent.step.retry-delays-ms has value '10s,1m', which is not milliseconds separated by commas such"
                + " as 10000,60000,600000");
        assertThatThrownBy(beside::failIfInvalid).hasMessage("NVENT-0191 2 settings are invalid; fix them all before"
                + " deploying again:\n  - NVENT-0001 configuration key nvent.step.retry-delays-ms is the whole default"
                + " retry schedule, and nvent.step.backoff-delay-ms is set too; keep one of them"
                + "\n  - NVENT-0001 configuration key nvent.step.retry-delays-ms lists 3 delays, more than the 2"
                + " retries of nvent.step.max-attempts = 3; drop the delays never waited, or raise"
                + " nvent.step.max-attempts (or leave it out: it is then one more than the delays listed)");
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
