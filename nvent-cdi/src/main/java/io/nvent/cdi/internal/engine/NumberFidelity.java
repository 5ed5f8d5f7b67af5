package io.nvent.cdi.internal.engine;

import jakarta.json.JsonArray;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.io.StringReader;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.lang.reflect.WildcardType;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds numbers that JSON-B changed while binding a payload to a Java type. JSON-B narrows a JSON
 * number to the type it binds to, silently: {@code 99999999999999999999} bound to an {@code int}
 * becomes some other {@code int}, {@code 1.5} becomes {@code 1}. A step would then run on numbers
 * its sender never sent. Binding cannot be told to refuse them, so the bound value is written back
 * to JSON and each number the payload holds is compared with the number at the same place.
 *
 * <p>Only types that hold such numbers somewhere are checked; whether a type does is worked out
 * once per type. Maps of {@code Object}, JSON-P values and strings keep every number as sent.
 */
final class NumberFidelity {

    private final Map<Type, Boolean> narrowing = new ConcurrentHashMap<>();

    /** Whether values of this type may hold a number narrower than JSON's. */
    boolean mayNarrow(Type type) {
        Boolean known = narrowing.get(type);
        if (known == null) {
            known = mayNarrow(type, new HashSet<>());
            narrowing.put(type, known);
        }
        return known;
    }

    private static boolean mayNarrow(Type type, Set<Type> seen) {
        if (!seen.add(type)) {
            return false;
        }
        if (type instanceof ParameterizedType parameterized) {
            for (Type argument : parameterized.getActualTypeArguments()) {
                if (mayNarrow(argument, seen)) {
                    return true;
                }
            }
            return mayNarrow(parameterized.getRawType(), seen);
        }
        if (type instanceof GenericArrayType array) {
            return mayNarrow(array.getGenericComponentType(), seen);
        }
        if (type instanceof WildcardType wildcard) {
            for (Type bound : wildcard.getUpperBounds()) {
                if (mayNarrow(bound, seen)) {
                    return true;
                }
            }
            return false;
        }
        if (!(type instanceof Class<?> type0)) {
            return false;
        }
        Class<?> raw = type0.isArray() ? type0.getComponentType() : type0;
        if (raw.isPrimitive()) {
            return raw != boolean.class && raw != char.class;
        }
        if (Number.class.isAssignableFrom(raw)) {
            // BigDecimal holds any JSON number; the others narrow it.
            return raw != java.math.BigDecimal.class && raw != Number.class;
        }
        String name = raw.getName();
        if (name.startsWith("java.") || name.startsWith("jakarta.") || raw.isEnum() || raw.isInterface()) {
            return false;
        }
        if (raw.isRecord()) {
            for (RecordComponent component : raw.getRecordComponents()) {
                if (mayNarrow(component.getGenericType(), seen)) {
                    return true;
                }
            }
            return false;
        }
        for (Class<?> c = raw; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field field : c.getDeclaredFields()) {
                if (!Modifier.isStatic(field.getModifiers()) && mayNarrow(field.getGenericType(), seen)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * The first number of {@code sent} that {@code bound} (the bound value written back to JSON)
     * holds as another number at the same place, described; empty if none. Places the type does
     * not have are not compared.
     */
    static Optional<String> firstChanged(String sent, String bound) {
        return firstChanged(read(sent), read(bound), "");
    }

    private static JsonValue read(String json) {
        try (var reader = Json.PROVIDER.createReader(new StringReader(json))) {
            return reader.readValue();
        }
    }

    private static Optional<String> firstChanged(JsonValue sent, JsonValue bound, String path) {
        if (sent instanceof JsonNumber number) {
            if (bound instanceof JsonNumber other && number.bigDecimalValue().compareTo(other.bigDecimalValue()) == 0) {
                return Optional.empty();
            }
            return Optional.of((path.isEmpty() ? "the value" : "'" + path + "'") + " is " + number
                    + ", which does not fit the step's " + describe(bound));
        }
        if (sent instanceof JsonObject object && bound instanceof JsonObject other) {
            for (Map.Entry<String, JsonValue> entry : object.entrySet()) {
                JsonValue counterpart = other.get(entry.getKey());
                if (counterpart != null) {
                    Optional<String> changed = firstChanged(entry.getValue(), counterpart,
                            path.isEmpty() ? entry.getKey() : path + "." + entry.getKey());
                    if (changed.isPresent()) {
                        return changed;
                    }
                }
            }
        } else if (sent instanceof JsonArray array && bound instanceof JsonArray other) {
            for (int i = 0; i < Math.min(array.size(), other.size()); i++) {
                Optional<String> changed = firstChanged(array.get(i), other.get(i), path + "[" + i + "]");
                if (changed.isPresent()) {
                    return changed;
                }
            }
        }
        return Optional.empty();
    }

    /** What the bound value's number says of the type it was bound to. */
    private static String describe(JsonValue bound) {
        String kind = bound instanceof JsonNumber number && number.isIntegral() ? "whole-number type" : "type";
        return kind + " (it would read as " + bound + ")";
    }
}
