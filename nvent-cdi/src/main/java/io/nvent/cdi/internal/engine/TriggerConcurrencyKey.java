package io.nvent.cdi.internal.engine;

import io.nvent.ConcurrencyKeyNotInPayloadException;
import io.nvent.Overlap;
import io.nvent.StartOptions;
import io.nvent.TriggerSpec;
import jakarta.json.JsonArray;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.math.BigDecimal;
import java.util.Optional;

/**
 * The concurrency key a trigger's fire starts its runs with ({@link TriggerSpec#concurrencyKey()},
 * {@link TriggerSpec#concurrencyKeyFrom()}): the trigger's fixed key, or the value at its JSON Pointer
 * in the fire's payload after its prefix, held with the trigger's {@linkplain TriggerSpec#concurrencyLimit() limit};
 * or, for a trigger with neither and an {@linkplain TriggerSpec#overlap() overlap policy}, the key of its name.
 * One key per fire, for each of the trigger's flows.
 */
final class TriggerConcurrencyKey {

    private TriggerConcurrencyKey() {
    }

    /**
     * The options a fire starts its runs with: the caller's, with the trigger's key and limit if it has a key.
     * Options that carry the trigger's key keep their own limit if they chose one: the caller's explicit choice wins;
     * a limit left at its default is the trigger's.
     *
     * @throws ConcurrencyKeyNotInPayloadException if the payload holds no key where the trigger points
     * @throws IllegalArgumentException if the caller gives a key other than the trigger's (NVENT-0571), or
     *     the options refuse the key with the caller's other options
     */
    static StartOptions startOptions(TriggerSpec trigger, String payloadJson, StartOptions given) {
        Optional<String> own = of(trigger, payloadJson);
        if (own.isEmpty() || given.concurrencyKey().equals(own) && given.concurrencyLimitChosen()) {
            return given;
        }
        if (given.concurrencyKey().isPresent() && !given.concurrencyKey().equals(own)) {
            throw new IllegalArgumentException("NVENT-0571 trigger '" + trigger.name() + "' starts its runs with"
                    + " concurrency key '" + own.get() + "'" + trigger.concurrencyKeyFrom().map(p -> " (read at " + p
                    + " of the payload)").orElse("") + "; the fire gives another, '" + given.concurrencyKey().get()
                    + "': give the trigger's key or none");
        }
        // Built anew so that the options check the key with the caller's other options, as any start's are.
        StartOptions.Builder options = StartOptions.newBuilder().concurrencyKey(own.get(), trigger.concurrencyLimit());
        given.idempotencyKey().ifPresent(options::idempotencyKey);
        given.delay().ifPresent(options::delay);
        given.timeout().ifPresent(options::timeout);
        options.labels(given.labels());
        return options.build();
    }

    /**
     * The trigger's key for a fire with this payload: its own, else, under an overlap policy other than
     * {@link Overlap#ALLOW_ALL}, the one of its name ({@link Overlap#keyOf}); empty for a trigger without one.
     *
     * @throws ConcurrencyKeyNotInPayloadException if the payload holds no key where the trigger points, or
     *     holds a number too large to write out (anywhere: such a payload cannot be read)
     */
    static Optional<String> of(TriggerSpec trigger, String payloadJson) {
        if (trigger.concurrencyKey().isPresent() || trigger.concurrencyKeyFrom().isEmpty()) {
            return trigger.concurrencyKey().or(() -> trigger.overlap() == Overlap.ALLOW_ALL ? Optional.empty()
                    : Optional.of(Overlap.keyOf(trigger.name())));
        }
        String pointer = trigger.concurrencyKeyFrom().get();
        // Such a number could be no key anyway, and it leaves the payload unread.
        JsonValue payload = JsonMatch.readHeld(payloadJson).orElseThrow(() -> new ConcurrencyKeyNotInPayloadException(
                trigger.name(), pointer, "a number too large to write out"));
        Optional<JsonValue> found = at(payload, pointer);
        String value = found.map(v -> text(trigger.name(), pointer, v)).orElseThrow(
                () -> new ConcurrencyKeyNotInPayloadException(trigger.name(), pointer, "nothing"));
        if (value.isBlank()) {
            throw new ConcurrencyKeyNotInPayloadException(trigger.name(), pointer,
                    value.isEmpty() ? "an empty string" : "a blank string");
        }
        String key = trigger.concurrencyKeyPrefix().orElse("") + value;
        if (key.length() > StartOptions.MAX_CONCURRENCY_KEY_LENGTH) {
            throw new ConcurrencyKeyNotInPayloadException(trigger.name(), pointer, "a value of " + value.length()
                    + " characters, a key of " + key.length() + " with the trigger's prefix (at most "
                    + StartOptions.MAX_CONCURRENCY_KEY_LENGTH + ")");
        }
        if (value.chars().anyMatch(Character::isISOControl)) {
            throw new ConcurrencyKeyNotInPayloadException(trigger.name(), pointer, "a string with control characters");
        }
        return Optional.of(key);
    }

    /** The key a value gives: a string as it is, a number in its shortest plain form, a boolean as its word. */
    private static String text(String trigger, String pointer, JsonValue value) {
        return switch (value.getValueType()) {
            case STRING -> ((JsonString) value).getString();
            case NUMBER -> number(trigger, pointer, ((JsonNumber) value).bigDecimalValue());
            case TRUE -> "true";
            case FALSE -> "false";
            case NULL -> throw new ConcurrencyKeyNotInPayloadException(trigger, pointer, "null");
            case OBJECT -> throw new ConcurrencyKeyNotInPayloadException(trigger, pointer, "an object");
            case ARRAY -> throw new ConcurrencyKeyNotInPayloadException(trigger, pointer, "an array");
        };
    }

    /** So that 42, 42.0 and 4.2e1 are one key, "42"; -0 is "0". */
    private static String number(String trigger, String pointer, BigDecimal number) {
        BigDecimal shortest = number.stripTrailingZeros();
        // 1e999999999 is a short text but a plain form of a billion digits: refused before it is written out.
        if (Math.abs((long) shortest.scale()) > StartOptions.MAX_CONCURRENCY_KEY_LENGTH) {
            throw new ConcurrencyKeyNotInPayloadException(trigger, pointer, "the number " + number
                    + ", longer than a key can be (at most " + StartOptions.MAX_CONCURRENCY_KEY_LENGTH
                    + " characters) when written out");
        }
        return shortest.signum() == 0 ? "0" : shortest.toPlainString();
    }

    /** The value an RFC 6901 pointer (checked by the trigger's spec) points at; empty if there is none. */
    static Optional<JsonValue> at(JsonValue document, String pointer) {
        JsonValue current = document;
        for (String token : pointer.substring(1).split("/", -1)) {
            String name = token.replace("~1", "/").replace("~0", "~");
            if (current instanceof JsonObject object) {
                current = object.get(name);
            } else if (current instanceof JsonArray array && name.matches("0|[1-9][0-9]{0,8}")
                    && Integer.parseInt(name) < array.size()) {
                current = array.get(Integer.parseInt(name));
            } else {
                current = null;
            }
            if (current == null) {
                return Optional.empty();
            }
        }
        return Optional.of(current);
    }
}
