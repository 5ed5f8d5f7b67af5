package io.nvent.cdi.internal.engine;

import io.nvent.EmittedPayloadsTooLargeException;
import io.nvent.cdi.NventConfig;
import io.nvent.spi.RunRecord;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The most a run keeps of its emitted events ({@code nvent.payload.max-run-emitted-bytes}): the first
 * payload of every event name, in UTF-8 bytes. A run holds them in its own record (its subscribers'
 * input), which the store reads and writes with every change of the run; each payload is checked
 * against {@code nvent.payload.max-bytes}, but a run emitting many under distinct names (operator
 * emits, per-item events) grew its record to tens of MB and every change of the run with it.
 *
 * @param maxBytes the limit, at least the single payload limit
 */
public record RunEmittedLimit(long maxBytes) {

    /** Key of the setting. */
    public static final String KEY = "nvent.payload.max-run-emitted-bytes";
    /** The default: 16 MiB, room for 16 payloads at the default single payload limit. */
    public static final long DEFAULT_BYTES = 16L * 1024 * 1024;

    public RunEmittedLimit {
        if (maxBytes < 1) {
            throw new IllegalArgumentException("maxBytes must be positive, was " + maxBytes);
        }
    }

    /** The default limit, or the single payload limit where that is larger. */
    public static RunEmittedLimit atLeast(int maxPayloadBytes) {
        return new RunEmittedLimit(Math.max(DEFAULT_BYTES, maxPayloadBytes));
    }

    /**
     * The limit configured ({@link #KEY}), by default {@link #atLeast} the single payload limit.
     *
     * @throws IllegalArgumentException (NVENT-0001) if it is no number, or below {@code maxPayloadBytes}:
     *     a run could not keep even one payload the engine accepts
     */
    static RunEmittedLimit of(NventConfig config, int maxPayloadBytes) {
        long value = config.getLong(KEY, atLeast(maxPayloadBytes).maxBytes(), 1);
        if (value < maxPayloadBytes) {
            throw new IllegalArgumentException("NVENT-0001 configuration key " + KEY + " must be at least "
                    + "nvent.payload.max-bytes (" + maxPayloadBytes + "), so that a run can keep one payload it"
                    + " accepts, was " + value);
        }
        return new RunEmittedLimit(value);
    }

    /**
     * A tally of what a run keeps, as one of its records shows it, to check emissions against: a
     * step's attempt checks each of its emits, in order, against the run as the attempt read it, and
     * its completion checks them all again against the run as the completion's write reads it.
     *
     * @param runId the run
     * @param kept the run's emitted events, as its record holds them
     */
    public Tally tally(String runId, Map<String, String> kept) {
        return new Tally(runId, kept);
    }

    /** UTF-8 bytes of a text, counted without encoding it (a kept payload may be MBs). */
    static long utf8Bytes(String text) {
        long bytes = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < text.length()
                    && Character.isLowSurrogate(text.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    /**
     * Refuses emissions that would take what the run keeps of its emitted events beyond
     * {@code nvent.payload.max-run-emitted-bytes}, on the run as the write that records them reads it:
     * an operator's emit, or a step's completion, whose emits were checked against the run as its
     * attempt read it, which a step completing beside it may have changed since; or the resolution
     * of an after-await, whose held emits were checked at the step's completion.
     *
     * @throws io.nvent.EmittedPayloadsTooLargeException (NVENT-0198) for the first emission that does not fit
     */
    void keepWithinEmittedLimit(RunRecord run, List<Emission> emissions) {
        RunEmittedLimit.Tally tally = tally(run.runId(), run.emitted());
        for (Emission emission : emissions) {
            tally.admit(emission.event(), emission.payloadJson());
        }
    }

    /** What a run keeps of its emitted events, with the emissions admitted since its record was read. */
    public final class Tally {

        private final String runId;
        private final Map<String, String> kept;
        private final Set<String> admitted = new HashSet<>();
        /** The payloads admitted, for an exact count should the bound no longer settle it. */
        private final List<String> admittedPayloads = new ArrayList<>();
        /**
         * At most what the run keeps, in UTF-8 bytes: 3 per char (a surrogate pair's 4 bytes are 2 chars).
         * Counted on the first emission of a new name; while it stays within the limit, no payload's bytes
         * are counted exactly (most runs keep far less than the limit).
         */
        private long bound = -1;
        /** Counted exactly once the bound exceeds the limit. */
        private long keptBytes = -1;

        private Tally(String runId, Map<String, String> kept) {
            this.runId = Objects.requireNonNull(runId, "runId");
            this.kept = Objects.requireNonNull(kept, "kept");
        }

        /**
         * Counts an emission, unless the run keeps a payload of its event already (only the first
         * emission of a name is kept), or refuses it, counting nothing.
         *
         * @param event the event's name
         * @param payloadJson its payload
         * @throws EmittedPayloadsTooLargeException if keeping the payload would take the run beyond the limit
         */
        public void admit(String event, String payloadJson) {
            if (kept.containsKey(event) || admitted.contains(event)) {
                return;
            }
            if (bound < 0) {
                bound = 0;
                for (String payload : kept.values()) {
                    bound += 3L * payload.length();
                }
            }
            long payloadBound = 3L * payloadJson.length();
            if (keptBytes < 0 && bound + payloadBound <= maxBytes) {
                bound += payloadBound;
                admitted.add(event);
                admittedPayloads.add(payloadJson);
                return;
            }
            if (keptBytes < 0) {
                keptBytes = 0;
                for (String payload : kept.values()) {
                    keptBytes += utf8Bytes(payload);
                }
                for (String payload : admittedPayloads) {
                    keptBytes += utf8Bytes(payload);
                }
            }
            long payloadBytes = utf8Bytes(payloadJson);
            if (keptBytes + payloadBytes > maxBytes) {
                throw new EmittedPayloadsTooLargeException("NVENT-0198 run " + runId + ": event '" + event
                        + "' (" + payloadBytes + " bytes) is refused: the run keeps " + keptBytes + " bytes of the "
                        + (kept.size() + admitted.size()) + " events it emitted, and keeping this one too would take"
                        + " it beyond the limit of " + maxBytes + " bytes (" + KEY + "); nothing was recorded. A run"
                        + " keeps the first payload of every event name: emit large data under fewer names, or keep"
                        + " it elsewhere and emit a reference to it", runId, event, keptBytes, payloadBytes,
                        maxBytes);
            }
            keptBytes += payloadBytes;
            admitted.add(event);
            admittedPayloads.add(payloadJson);
        }
    }
}
