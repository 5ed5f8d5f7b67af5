package io.nvent.web.internal.rest;

import io.nvent.AwaitPosition;
import io.nvent.AwaitStatus;
import io.nvent.AwaitType;
import io.nvent.RunInfo;
import io.nvent.RunStatus;
import io.nvent.StartOptions;
import io.nvent.StepStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A start asks for a concurrency key with {@code ?concurrencyKey=}; runs and awaits show the key they have. */
class ConcurrencyKeyRequestsTest {

    private static final Instant AT = Instant.parse("2026-12-05T10:00:00Z");

    @Test
    void aStartsConcurrencyKeyComesWithItsIdempotencyKeyAndIsCheckedAsTheApiChecksIt() {
        StartOptions options = StartRequests.startOptions("order-7", Optional.empty(), Optional.of("customer-42"));

        assertThat(options.concurrencyKey()).contains("customer-42");
        assertThat(options.idempotencyKey()).contains("order-7");
        assertThat(StartRequests.startOptions(null, Optional.empty(), Optional.empty()).concurrencyKey()).isEmpty();
        assertThatThrownBy(() -> StartRequests.startOptions(null, Optional.empty(), Optional.of(" ")))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("a concurrency key must not be blank");
    }

    @Test
    void aStartMayAskForAConcurrencyKeyAndADelayTogether() {
        StartOptions options = StartRequests.startOptions(null, Optional.of(Duration.ofMinutes(5)),
                Optional.of("customer-42"));

        assertThat(options.concurrencyKey()).contains("customer-42");
        assertThat(options.delay()).contains(Duration.ofMinutes(5));
    }

    @Test
    void theTimeAwaitOfAStartDelayedWithAKeyShowsTheKeyItWillWaitFor() {
        io.nvent.AwaitInfo delay = new io.nvent.AwaitInfo("a4", "r4", "sync", "sync-customer", AwaitPosition.BEFORE,
                AwaitType.TIME, AwaitStatus.WAITING, AT, Optional.of(AT.plusSeconds(300)), Optional.empty(),
                Optional.of("customer-42"));

        assertThat(AwaitsResource.await(delay).build().toString())
                .contains("\"type\":\"time\"", "\"concurrencyKey\":\"customer-42\"");
    }

    @Test
    void aRunAndAnAwaitShowTheConcurrencyKeyTheyHave() {
        RunInfo run = new RunInfo("r1", "sync", RunStatus.AWAITING, AT, Optional.empty(), Optional.empty(),
                Map.of("sync-customer", StepStatus.AWAITING), Optional.empty(), Optional.empty(),
                Optional.of("customer-42"));
        io.nvent.AwaitInfo await = new io.nvent.AwaitInfo("a1", "r1", "sync", "sync-customer", AwaitPosition.BEFORE,
                AwaitType.CONCURRENCY_KEY, AwaitStatus.WAITING, AT, Optional.empty(), Optional.empty(),
                Optional.of("customer-42"));

        assertThat(Representations.run(run).getString("concurrencyKey")).isEqualTo("customer-42");
        assertThat(AwaitsResource.await(await).build().toString())
                .contains("\"type\":\"concurrency_key\"", "\"concurrencyKey\":\"customer-42\"")
                .doesNotContain("concurrencyKeyHolder");
    }

    @Test
    void anAwaitForAConcurrencyKeyNamesTheRunHoldingIt() {
        io.nvent.AwaitInfo await = new io.nvent.AwaitInfo("a2", "r2", "sync", "sync-customer", AwaitPosition.BEFORE,
                AwaitType.CONCURRENCY_KEY, AwaitStatus.WAITING, AT, Optional.empty(), Optional.empty(),
                Optional.of("customer-42"), Optional.of("r1"));

        assertThat(AwaitsResource.await(await).build().getString("concurrencyKeyHolder")).isEqualTo("r1");
    }

    @Test
    void theOpenApiDocumentNamesEveryFieldOfAnAwait() throws java.io.IOException {
        io.nvent.AwaitInfo await = new io.nvent.AwaitInfo("a3", "r3", "sync", "sync-customer", AwaitPosition.BEFORE,
                AwaitType.CONCURRENCY_KEY, AwaitStatus.WAITING, AT, Optional.of(AT), Optional.of(AT),
                Optional.of("customer-42"), Optional.of("r1"), java.util.List.of("r1", "r2"), 2);

        assertThat(OpenApiDocumentTest.schemaProperties("Await"))
                .containsOnlyKeys(AwaitsResource.await(await).build().keySet().toArray(String[]::new));
    }

    @Test
    void aStartAsksForAConcurrencyLimitBesideItsKey() {
        StartOptions options = StartRequests.startOptions(null, Optional.empty(), Optional.of("customer-42"), " 3");

        assertThat(options.concurrencyKey()).contains("customer-42");
        assertThat(options.concurrencyLimit()).isEqualTo(3);
        assertThat(options.concurrencyLimitChosen()).isTrue();
        StartOptions noLimit = StartRequests.startOptions(null, Optional.empty(), Optional.of("customer-42"), null);
        assertThat(noLimit.concurrencyLimit()).as("none given").isEqualTo(1);
        assertThat(noLimit.concurrencyLimitChosen()).as("none given: a trigger's fire keeps the trigger's").isFalse();
    }

    @Test
    void aConcurrencyLimitThatIsNoWholeNumberOutOfRangeOrWithoutAKeyIsRefused() {
        assertThatThrownBy(() -> StartRequests.startOptions(null, Optional.empty(), Optional.of("k"), "three"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("NVENT-0774 query parameter 'concurrencyLimit' must be a whole number within 1..1000; was"
                        + " 'three'; no run was started");
        assertThatThrownBy(() -> StartRequests.startOptions(null, Optional.empty(), Optional.of("k"), "1001"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("NVENT-0270");
        assertThatThrownBy(() -> StartRequests.startOptions(null, Optional.empty(), Optional.of("k"), "0"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("NVENT-0270");
        assertThatThrownBy(() -> StartRequests.startOptions(null, Optional.empty(), Optional.empty(), "2"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("NVENT-0794 query parameter 'concurrencyLimit' needs 'concurrencyKey'");
    }

    @Test
    void aRunShowsItsConcurrencyLimitWhenItIsAboveOne() {
        RunInfo run = new RunInfo("r1", "sync", RunStatus.AWAITING, AT, Optional.empty(), Optional.empty(),
                Map.of("sync-customer", StepStatus.AWAITING), Optional.empty(), Optional.empty(),
                Optional.of("customer-42"));

        assertThat(Representations.run(run.withConcurrencyLimit(3)).getInt("concurrencyLimit")).isEqualTo(3);
        assertThat(Representations.run(run).containsKey("concurrencyLimit")).as("limit 1").isFalse();
    }

    @Test
    void anAwaitOfARunWithALimitNamesEveryRunHoldingTheKey() {
        io.nvent.AwaitInfo await = new io.nvent.AwaitInfo("a5", "r5", "sync", "sync-customer", AwaitPosition.BEFORE,
                AwaitType.CONCURRENCY_KEY, AwaitStatus.WAITING, AT, Optional.empty(), Optional.empty(),
                Optional.of("customer-42")).withConcurrencyLimit(2).withConcurrencyKeyHolders(java.util.List.of("r1", "r2"));

        jakarta.json.JsonObject body = AwaitsResource.await(await).build();
        assertThat(body.getString("concurrencyKeyHolder")).isEqualTo("r1");
        assertThat(body.getJsonArray("concurrencyKeyHolders").getValuesAs(jakarta.json.JsonString::getString))
                .containsExactly("r1", "r2");
        assertThat(body.getInt("concurrencyLimit")).isEqualTo(2);
    }
}
