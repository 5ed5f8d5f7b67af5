package io.nvent;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A trigger's concurrency limit is 1 to 1,000 runs of one of its keys, above 1 only with a key; refused at once. */
class TriggerSpecConcurrencyLimitTest {

    private static TriggerSpec.Builder webhook(String name) {
        return TriggerSpec.newBuilder(name, TriggerType.WEBHOOK).flow("sync");
    }

    @Test
    void aTriggerHoldsItsKeyOneRunAtATimeUnlessItSaysMore() {
        assertThat(webhook("plain").build().concurrencyLimit()).isEqualTo(1);
        assertThat(webhook("keyed").concurrencyKeyFrom("/customerId").build().concurrencyLimit()).isEqualTo(1);
        assertThat(webhook("keyed").concurrencyKeyFrom("/customerId").concurrencyLimit(2).build().concurrencyLimit())
                .isEqualTo(2);
        assertThat(webhook("nightly").concurrencyKey("all").concurrencyLimit(StartOptions.MAX_CONCURRENCY_LIMIT).build()
                .concurrencyLimit()).isEqualTo(1000);
    }

    @Test
    void aLimitOutOfRangeIsRefusedByTheBuilderAtOnceNamingTheTrigger() {
        TriggerSpec.Builder builder = webhook("crm-hook").concurrencyKeyFrom("/customerId");

        assertThatThrownBy(() -> builder.concurrencyLimit(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("NVENT-0278 the concurrency limit of trigger 'crm-hook' is invalid: a concurrency"
                        + " limit is 1 to 1000 runs of a key at a time, was 0");
        assertThatThrownBy(() -> builder.concurrencyLimit(1001)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("NVENT-0278 the concurrency limit of trigger 'crm-hook'");
        assertThat(builder.build().concurrencyLimit()).as("nothing set by a refused call").isEqualTo(1);
    }

    @Test
    void aLimitAboveOneWithoutAKeyIsRefusedNamingTheTrigger() {
        assertThatThrownBy(() -> webhook("crm-hook").concurrencyLimit(2).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("NVENT-0275 trigger 'crm-hook' gives a concurrency limit (2) but no concurrency"
                        + " key").hasMessageContaining("concurrencyKeyFrom");
        assertThatThrownBy(() -> webhook("crm-hook").concurrencyKeyFrom("/customerId").concurrencyLimit(2).build()
                .toBuilder().concurrencyKeyFrom(null).build())
                .as("a key removed from a trigger with a limit").hasMessageStartingWith("NVENT-0275");
    }

    @Test
    void theCanonicalConstructorChecksTheLimitAsTheBuilderDoes() {
        assertThatThrownBy(() -> new TriggerSpec("crm-hook", TriggerType.WEBHOOK, List.of("sync"), Optional.empty(),
                Optional.empty(), java.time.ZoneId.of("UTC"), Optional.empty(), Optional.empty(), "", true,
                Misfire.INHERIT, Optional.empty(), Optional.empty(), Optional.of("/customerId"), Optional.empty(), -1))
                .hasMessageStartingWith("NVENT-0278 the concurrency limit of trigger 'crm-hook'");
    }

    @Test
    void theLimitSurvivesACopyAndEnablingOrDisabling() {
        TriggerSpec spec = webhook("crm-hook").concurrencyKeyFrom("/customerId").concurrencyLimit(3).build();

        assertThat(spec.toBuilder().build()).isEqualTo(spec);
        assertThat(spec.withEnabled(false).concurrencyLimit()).isEqualTo(3);
        assertThat(spec).isNotEqualTo(spec.toBuilder().concurrencyLimit(2).build());
    }
}
