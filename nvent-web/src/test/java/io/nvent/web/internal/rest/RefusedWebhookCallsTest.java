package io.nvent.web.internal.rest;

import java.time.Instant;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Refused webhook calls are reported at once, then at most once a minute per trigger, counted. */
class RefusedWebhookCallsTest {

    private static final Instant NOW = Instant.parse("2026-12-02T10:00:00Z");

    private final RefusedWebhookCalls refused = new RefusedWebhookCalls();

    @Test
    void theFirstRefusalIsReportedAtOnceWithItsReason() {
        assertThat(refused.refused("orders", "signature does not match", NOW))
                .hasValueSatisfying(warning -> assertThat(warning)
                        .startsWith("NVENT-0725 the webhook of trigger 'orders' refused 1 call (answered 401)")
                        .contains("because: signature does not match"));
    }

    @Test
    void refusalsWithinAMinuteAreCountedAndReportedWithTheNextOneAfterIt() {
        refused.refused("orders", "missing header", NOW);

        for (int second = 1; second < 60; second++) {
            assertThat(refused.refused("orders", "missing header", NOW.plusSeconds(second))).isEmpty();
        }
        assertThat(refused.refused("orders", "timestamp too old", NOW.plusSeconds(60)))
                .hasValueSatisfying(warning -> assertThat(warning)
                        .contains("refused 60 calls").contains("because: timestamp too old"));
        assertThat(refused.refused("orders", "missing header", NOW.plusSeconds(61))).isEmpty();
    }

    @Test
    void eachTriggerIsReportedOnItsOwn() {
        refused.refused("orders", "missing header", NOW);

        assertThat(refused.refused("refunds", "missing header", NOW.plusSeconds(1)))
                .hasValueSatisfying(warning -> assertThat(warning).contains("'refunds' refused 1 call"));
    }
}
