package io.nvent.jpa.internal;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import java.time.Instant;
import org.hibernate.annotations.Type;

/** One state value of a run. */
@Entity(name = "NventState")
@Table(name = "run_state")
@IdClass(StateKey.class)
class StateEntity {

    @Id
    @Column(name = "run_id", nullable = false, updatable = false)
    String runId;

    @Id
    @Column(name = "state_key", nullable = false, updatable = false)
    String key;

    @Type(JsonTextType.class)
    @Column(name = "payload", nullable = false)
    String payload;

    @Column(name = "expires_at")
    Instant expiresAt;

    protected StateEntity() {
    }

    StateEntity(String runId, String key, String payload, Instant expiresAt) {
        this.runId = runId;
        this.key = key;
        this.payload = payload;
        this.expiresAt = expiresAt;
    }
}
