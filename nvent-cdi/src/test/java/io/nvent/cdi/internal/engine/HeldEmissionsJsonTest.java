package io.nvent.cdi.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Held events written by any release are read: before the trace was kept with them, and by a later one. */
class HeldEmissionsJsonTest {

    @Test
    void heldEventsWrittenBeforeTheTraceWasKeptAreReadWithNoProducer() {
        Emission.Held held = Emission.fromJson(
                "[{\"event\":\"asked\",\"payload\":{\"n\":1},\"at\":\"2026-12-06T10:00:00Z\"},"
                + "{\"event\":\"told\",\"payload\":null,\"at\":\"2026-12-06T10:00:01Z\"}]");

        assertThat(held.emissions()).extracting(Emission::event).containsExactly("asked", "told");
        assertThat(held.producer()).isEmpty();
    }

    @Test
    void heldEventsOfALaterReleaseAreReadTakingOnlyTheTracesTextFields() {
        Emission.Held held = Emission.fromJson("[{\"event\":\"asked\",\"payload\":{},\"at\":\"2026-12-06T10:00:00Z\","
                + "\"trace\":{\"traceparent\":\"00-a-b-01\",\"depth\":2,\"baggage\":{}},\"key\":\"k-1\"},"
                + "{\"event\":\"told\",\"payload\":1,\"at\":\"2026-12-06T10:00:01Z\",\"trace\":\"unexpected\"}]");

        assertThat(held.emissions()).extracting(Emission::event).containsExactly("asked", "told");
        assertThat(held.producer()).isEqualTo(Map.of("traceparent", "00-a-b-01"));
    }

    @Test
    void noTraceIsWrittenWithNothingCaptured() {
        String json = Emission.toJson(List.of(new Emission("asked", "{}",
                Instant.parse("2026-12-06T10:00:00Z"))), Map.of());

        assertThat(json).isEqualTo("[{\"event\":\"asked\",\"payload\":{},\"at\":\"2026-12-06T10:00:00Z\"}]");
    }
}
