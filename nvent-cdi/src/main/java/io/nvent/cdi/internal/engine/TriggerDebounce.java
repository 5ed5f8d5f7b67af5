package io.nvent.cdi.internal.engine;

import io.nvent.Batch;
import io.nvent.ConcurrencyKeyNotInPayloadException;
import io.nvent.Debounce;
import io.nvent.InvalidPayloadException;
import io.nvent.Overlap;
import io.nvent.TriggerSpec;

/**
 * The key a debounced trigger's fire folds by ({@link Debounce#keyFrom()}) and the slot of its pending run of a flow
 * in the store ({@link io.nvent.spi.SchedulingStore#openDebounce}). The key is read from the payload as a concurrency
 * key is ({@link TriggerConcurrencyKey}): a string as it is, a number in its shortest form, a boolean as its word.
 */
final class TriggerDebounce {

    /** The key of a trigger debounced without a pointer: one pending run for all its fires. */
    static final String WHOLE_TRIGGER = "*";

    private TriggerDebounce() {
    }

    /**
     * The key a fire with this payload folds by.
     *
     * @throws InvalidPayloadException ({@code NVENT-0429}) if the payload holds no key where the debounce points,
     *     said as a missing concurrency key is
     */
    static String keyOf(TriggerSpec trigger, Debounce debounce, String payloadJson) {
        return keyOf(trigger, debounce.keyFrom(), "debounces", "debounceKeyFrom", "folded", payloadJson);
    }

    /**
     * The key a batching trigger's fire is batched by ({@link Batch#keyFrom()}).
     *
     * @throws InvalidPayloadException ({@code NVENT-0429}) if the payload holds no key where the batching points
     */
    static String keyOf(TriggerSpec trigger, Batch batch, String payloadJson) {
        return keyOf(trigger, batch.keyFrom(), "batches", "batchKeyFrom", "appended", payloadJson);
    }

    /**
     * The input of a batching trigger's run: its batch's payloads (a JSON array), how many, and the key.
     *
     * @param eventsJson the JSON array of the payloads, as the slot holds them
     */
    static String batchInput(String eventsJson, int count, String key) {
        return JsonText.object().raw("events", eventsJson).num("count", count)
                .str("key", key).build();
    }

    /**
     * Whether a run's input may be a batch's ({@link #batchInput}): it names the batch's members, as any store keeps
     * them, however it spaces or orders them. Another input that names them too only makes its reader look further.
     */
    static boolean mayBeBatchInput(String inputJson) {
        return inputJson.contains("\"events\"") && inputJson.contains("\"count\"") && inputJson.contains("\"key\"");
    }

    private static String keyOf(TriggerSpec trigger, java.util.Optional<String> keyFrom, String does, String field,
                                String done, String payloadJson) {
        if (keyFrom.isEmpty()) {
            return WHOLE_TRIGGER;
        }
        String pointer = keyFrom.get();
        // The concurrency key's reading, on a spec that reads nothing else: the same values give the same keys.
        TriggerSpec reader = TriggerSpec.newBuilder(trigger.name(), trigger.type()).flows(trigger.flows())
                .event(trigger.event().orElse(null)).concurrencyKeyFrom(pointer).overlap(Overlap.ALLOW_ALL).build();
        try {
            return TriggerConcurrencyKey.of(reader, payloadJson).orElseThrow();
        } catch (ConcurrencyKeyNotInPayloadException noKey) {
            throw new InvalidPayloadException("NVENT-0429 trigger '" + trigger.name() + "' " + does + " its fires by"
                    + " the value at " + pointer + " of each fire's payload (" + field + "), which holds " + noKey.found()
                    + " there; nothing was started or " + done + ": the payload must hold a string, number or boolean"
                    + " at " + pointer);
        }
    }

    /**
     * A new id for a debounced trigger's pending run: a UUID as every run's, but name-based (version 3) where the
     * engine's others are random (version 4), so that the start of a run whose id is not one asks the store for no
     * slot ({@link #mayHoldSlot}): a delayed start costs no store call more for the debounce.
     */
    static String newRunId() {
        return java.util.UUID.nameUUIDFromBytes(java.util.UUID.randomUUID().toString()
                .getBytes(java.nio.charset.StandardCharsets.UTF_8)).toString();
    }

    /**
     * Whether a slot may name the run ({@link #newRunId}): its id is a version-3 UUID (as also the ids of runs started
     * with a key before stores held keys), or no UUID at all.
     */
    static boolean mayHoldSlot(String runId) {
        try {
            return java.util.UUID.fromString(runId).version() == 3;
        } catch (IllegalArgumentException notAUuid) {
            return true;
        }
    }

    /** The slot of the trigger's pending run of the flow for the key: apart for each, with no character they hold. */
    static String slot(String trigger, String flow, String key) {
        return trigger + '\u0000' + flow + '\u0000' + key;
    }
}
