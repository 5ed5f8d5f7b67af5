package io.nvent.jpa.internal;

import java.io.Serializable;
import java.util.Objects;

/** Primary key of {@link EventEntity}: run id and sequence number. */
public class EventKey implements Serializable {

    private static final long serialVersionUID = 1L;

    String runId;
    long seq;

    public EventKey() {
    }

    EventKey(String runId, long seq) {
        this.runId = runId;
        this.seq = seq;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EventKey other && seq == other.seq && Objects.equals(runId, other.runId);
    }

    @Override
    public int hashCode() {
        return Objects.hash(runId, seq);
    }
}
