package io.nvent.jpa.internal;

import io.nvent.EventType;
import io.nvent.HistoryEvent;
import io.nvent.spi.EventDraft;
import jakarta.persistence.Column;
import jakarta.persistence.Convert;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.Optional;
import org.hibernate.annotations.Immutable;
import org.hibernate.annotations.Type;

/** One history entry; rows are only ever inserted (and deleted with their run). */
@Entity(name = "NventEvent")
@Table(name = "run_event")
@IdClass(EventKey.class)
@Immutable
class EventEntity {

    @Id
    @Column(name = "run_id", nullable = false, updatable = false)
    String runId;

    @Id
    @Column(name = "seq", nullable = false, updatable = false)
    long seq;

    @Convert(converter = EventTypeConverter.class)
    @Column(name = "event_type", nullable = false, updatable = false)
    EventType type;

    @Column(name = "step_name", updatable = false)
    String step;

    @Column(name = "attempt", nullable = false, updatable = false)
    int attempt;

    @Column(name = "occurred_at", nullable = false, updatable = false)
    Instant occurredAt;

    @Type(JsonTextType.class)
    @Column(name = "payload", nullable = false, updatable = false)
    String payload;

    protected EventEntity() {
    }

    EventEntity(String runId, long seq, EventDraft draft) {
        this.runId = runId;
        this.seq = seq;
        this.type = draft.type();
        this.step = draft.step().orElse(null);
        this.attempt = draft.attempt();
        this.occurredAt = draft.timestamp();
        this.payload = draft.data();
    }

    HistoryEvent toEvent() {
        return new HistoryEvent(runId, seq, type, Optional.ofNullable(step), attempt, occurredAt, payload);
    }
}
