package io.nvent;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A trigger's batching: none unless it says one, kept by copies, checked where it is given. */
class TriggerSpecBatchTest {

    private static TriggerSpec.Builder event(String name) {
        return TriggerSpec.newBuilder(name, TriggerType.EVENT).event("notification.created").flow("digest");
    }

    @Test
    void aTriggerStartsARunPerFireUnlessItSaysBatching() {
        assertThat(event("notify").build().batch()).isEmpty();
        assertThat(event("notify").batch(100, Duration.ofSeconds(10)).batchKeyFrom("/userId").build().batch())
                .contains(new Batch(100, Duration.ofSeconds(10), Optional.of("/userId")));
    }

    @Test
    void theBatchingSurvivesACopyAndEnablingOrDisabling() {
        TriggerSpec spec = event("notify").batch(100, Duration.ofSeconds(10)).batchKeyFrom("/userId").build();

        assertThat(spec.toBuilder().build()).isEqualTo(spec);
        assertThat(spec.withEnabled(false).batch()).isEqualTo(spec.batch());
        assertThat(spec.withFilter(Optional.of("{\"kind\":\"mention\"}")).batch()).isEqualTo(spec.batch());
        assertThat(spec.toBuilder().batch((Batch) null).build().batch()).isEmpty();
    }

    @Test
    void aSizeOrWindowOutOfRangeOrAPointerThatIsNoneIsRefusedNamingTheTrigger() {
        assertThatThrownBy(() -> event("notify").batch(1, Duration.ofSeconds(10)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessage("NVENT-0252 the batch size (batchMax) of"
                        + " trigger 'notify' is 1; it must be from 2 to 1000 fires");
        assertThatThrownBy(() -> event("notify").batch(1001, Duration.ofSeconds(10)).build())
                .hasMessageStartingWith("NVENT-0252 the batch size (batchMax) of trigger 'notify' is 1001;");
        assertThatThrownBy(() -> event("notify").batch(10, Duration.ofMillis(500)).build())
                .hasMessage("NVENT-0252 the batch window (batchWindow) of trigger 'notify' is PT0.5S; it must be a"
                        + " whole number of seconds, at least PT1S and at most P1D");
        assertThatThrownBy(() -> event("notify").batch(10, Duration.ofDays(2)).build())
                .hasMessageStartingWith("NVENT-0252 the batch window (batchWindow) of trigger 'notify' is P2D;");
        assertThatThrownBy(() -> event("notify").batch(10, Duration.ofSeconds(10)).batchKeyFrom("userId").build())
                .hasMessageStartingWith("NVENT-0253 the batch key pointer (batchKeyFrom) of trigger 'notify' is"
                        + " \"userId\", no JSON Pointer (RFC 6901)");
        assertThatThrownBy(() -> event("notify").batchKeyFrom("/userId").build())
                .hasMessageStartingWith("NVENT-0254 trigger 'notify' gives a batch key pointer (batchKeyFrom) but no"
                        + " batching");
    }

    @Test
    void aScheduleOrADebouncedTriggerCannotBatch() {
        assertThatThrownBy(() -> TriggerSpec.newBuilder("nightly", TriggerType.SCHEDULE).flow("export")
                .every(Duration.ofMinutes(5)).batch(10, Duration.ofSeconds(30)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("NVENT-0254 trigger 'nightly' is a schedule trigger; batching belongs to"
                        + " event, webhook and manual triggers");
        assertThatThrownBy(() -> event("notify").debounce(Duration.ofSeconds(30)).batch(10, Duration.ofSeconds(10))
                .build())
                .hasMessage("NVENT-0254 trigger 'notify' has both a debounce and batching; a debounce starts its run"
                        + " with the last payload, batching with all of them: keep one");
    }
}
