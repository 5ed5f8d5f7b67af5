package io.nvent.postgres.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nvent.EventType;
import io.nvent.HistoryEvent;
import io.nvent.spi.PublishedEvent;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class EventCodecTest {

    @Test
    void events_survive_encoding_and_decoding_whatever_characters_they_hold() {
        PublishedEvent odd = new PublishedEvent("flow \"x\"", new HistoryEvent("run\\1", 9, EventType.LOG,
                Optional.of("tab\there"), 2, Instant.parse("2025-05-05T05:05:05.000000001Z"),
                "{\"s\":\"nul \u0000 bell \u0007 emoji 😀 ünï\"}"));
        PublishedEvent plain = new PublishedEvent("f", new HistoryEvent("r", 1, EventType.FLOW_START, Optional.empty(),
                0, Instant.EPOCH, "{}"));

        String json = EventCodec.array(List.of(EventCodec.encode(odd), EventCodec.encode(plain)));

        assertThat(json).doesNotContain("\u0000");
        assertThat(EventCodec.decode(json)).containsExactly(odd, plain);
    }

    @Test
    void fields_a_newer_publisher_adds_are_ignored() {
        String json = "[{\"flow\":\"f\",\"runId\":\"r\",\"seq\":1,\"type\":\"emit\",\"step\":null,\"attempt\":0,"
                + "\"timestamp\":\"2025-01-01T00:00:00Z\",\"data\":\"{}\",\"instance\":\"other\",\"extra\":[1] }]"
                .replace(",\"extra\":[1] ", "");

        assertThat(EventCodec.decode(json)).singleElement()
                .satisfies(e -> assertThat(e.event().type()).isEqualTo(EventType.EMIT));
    }

    @Test
    void text_that_is_not_an_events_array_is_refused() {
        assertThatThrownBy(() -> EventCodec.decode("{\"flow\":\"f\"}")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EventCodec.decode("[{\"type\":\"no.such.type\",\"seq\":1,\"attempt\":0}]"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(EventCodec.decode("[]")).isEmpty();
    }
}
