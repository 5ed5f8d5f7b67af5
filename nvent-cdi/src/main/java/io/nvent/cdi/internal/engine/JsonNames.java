package io.nvent.cdi.internal.engine;

import jakarta.json.bind.annotation.JsonbProperty;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A violation's property path as the sender wrote the JSON: each property named as JSON-B names it
 * ({@code @JsonbProperty} on its field, record component or getter), not by its Java name. Each class's properties
 * are looked up once. No reference to {@code jakarta.validation}: the engine runs without it.
 */
final class JsonNames {

    /** A property of a class: the name JSON-B gives it, and the type of its value. */
    record Property(String jsonName, Type type) {
    }

    private static final ClassValue<Map<String, Optional<Property>>> PROPERTIES = new ClassValue<>() {
        @Override
        protected Map<String, Optional<Property>> computeValue(Class<?> type) {
            return new ConcurrentHashMap<>();
        }
    };

    private JsonNames() {
    }

    /** The property {@code name} of {@code type} (a field, record component or getter), if it has one. */
    static Optional<Property> property(Class<?> type, String name) {
        if (type == null) {
            return Optional.empty();
        }
        return PROPERTIES.get(type).computeIfAbsent(name, n -> find(type, n));
    }

    private static Optional<Property> find(Class<?> type, String name) {
        String cap = name.isEmpty() ? name : Character.toUpperCase(name.charAt(0)) + name.substring(1);
        for (Class<?> k = type; k != null && k != Object.class; k = k.getSuperclass()) {
            Class<?> c = k;
            Field field = declared(() -> c.getDeclaredField(name));
            Method getter = Optional.ofNullable(declared(() -> c.getDeclaredMethod("get" + cap)))
                    .or(() -> Optional.ofNullable(declared(() -> c.getDeclaredMethod("is" + cap))))
                    .or(() -> Optional.ofNullable(declared(() -> c.getDeclaredMethod(name))))
                    .orElse(null);
            if (field == null && getter == null) {
                continue;
            }
            Type valueType = field != null ? field.getGenericType() : getter.getGenericReturnType();
            String jsonName = jsonName(field).or(() -> jsonName(getter)).orElse(name);
            return Optional.of(new Property(jsonName, valueType));
        }
        return Optional.empty();
    }

    private static Optional<String> jsonName(AnnotatedElement element) {
        return Optional.ofNullable(element).map(e -> e.getAnnotation(JsonbProperty.class))
                .map(JsonbProperty::value).filter(v -> !v.isEmpty());
    }

    private interface Lookup<T> {
        T get() throws ReflectiveOperationException;
    }

    private static <T> T declared(Lookup<T> lookup) {
        try {
            return lookup.get();
        } catch (ReflectiveOperationException | SecurityException | LinkageError none) {
            return null;
        }
    }

    /** The type of the elements of a list, set, array or optional; of the values of a map; else Object. */
    static Type elementOf(Type container) {
        if (container instanceof GenericArrayType array) {
            return array.getGenericComponentType();
        }
        if (container instanceof Class<?> c && c.isArray()) {
            return c.getComponentType();
        }
        if (container instanceof ParameterizedType p && p.getRawType() instanceof Class<?> raw
                && (Collection.class.isAssignableFrom(raw) || Map.class.isAssignableFrom(raw)
                || raw == Optional.class)) {
            Type[] args = p.getActualTypeArguments();
            return args[args.length - 1];
        }
        return Object.class;
    }

    static Class<?> rawOf(Type type) {
        return type instanceof Class<?> c ? c
                : type instanceof ParameterizedType p && p.getRawType() instanceof Class<?> c ? c : null;
    }

}
