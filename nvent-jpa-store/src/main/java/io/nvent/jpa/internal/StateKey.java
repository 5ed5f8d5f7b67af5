package io.nvent.jpa.internal;

import java.io.Serializable;
import java.util.Objects;

/** Primary key of {@link StateEntity}: run id and key. */
public class StateKey implements Serializable {

    private static final long serialVersionUID = 1L;

    String runId;
    String key;

    public StateKey() {
    }

    StateKey(String runId, String key) {
        this.runId = runId;
        this.key = key;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StateKey other && Objects.equals(runId, other.runId) && Objects.equals(key, other.key);
    }

    @Override
    public int hashCode() {
        return Objects.hash(runId, key);
    }
}
