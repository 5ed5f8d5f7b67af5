package io.nvent.cdi.internal.registry;

import jakarta.json.bind.annotation.JsonbCreator;
import jakarta.json.bind.annotation.JsonbProperty;
import jakarta.json.bind.annotation.JsonbTransient;
import jakarta.json.bind.annotation.JsonbTypeAdapter;
import jakarta.json.bind.annotation.JsonbTypeDeserializer;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The JSON member names (and their properties' types) a user's class can be read from with JSON-B's default naming: its fields,
 * record components, setters and {@code @JsonbCreator} parameters, under their {@code @JsonbProperty}
 * names where they carry one. Generous on purpose (a getter's {@code @JsonbProperty} counts too), so a
 * deployment is never refused for a property JSON-B would in fact fill.
 */
public final class InputProperties {

    private InputProperties() {
    }

    /**
     * The class of a step input JSON-B binds property by property, or empty for the types that take
     * any JSON object as it is (Map, JsonObject, String, Object and the JDK's and Jakarta's other
     * types) or that read themselves ({@code @JsonbTypeDeserializer}, {@code @JsonbTypeAdapter}).
     */
    public static Optional<Class<?>> userClass(Type type) {
        Type raw = type instanceof ParameterizedType parameterized ? parameterized.getRawType() : type;
        if (!(raw instanceof Class<?> c) || c.isPrimitive() || c.isArray() || c.isEnum() || c.isInterface()
                || Modifier.isAbstract(c.getModifiers()) || isPlatform(c)
                || c.isAnnotationPresent(JsonbTypeDeserializer.class) || c.isAnnotationPresent(JsonbTypeAdapter.class)) {
            return Optional.empty();
        }
        return Optional.of(c);
    }

    private static boolean isPlatform(Class<?> c) {
        String name = c.getName();
        return name.startsWith("java.") || name.startsWith("javax.") || name.startsWith("jakarta.");
    }

    /** The member names the class may be read from, sorted. */
    public static Set<String> of(Class<?> type) {
        return new TreeSet<>(readable(type).keySet());
    }

    /** The member names the class may be read from, each with the type of its property. */
    private static Map<String, Type> readable(Class<?> type) {
        Map<String, Type> names = new TreeMap<>();
        for (Class<?> c = type; c != null && !isPlatform(c); c = c.getSuperclass()) {
            for (Field field : c.getDeclaredFields()) {
                if (!Modifier.isStatic(field.getModifiers()) && !field.isSynthetic()
                        && !field.isAnnotationPresent(JsonbTransient.class)) {
                    Type valueType = readsItself(field) ? Object.class : field.getGenericType();
                    names.putIfAbsent(field.getName(), valueType);
                    named(field.getAnnotation(JsonbProperty.class)).ifPresent(n -> names.put(n, valueType));
                }
            }
            for (Method method : c.getDeclaredMethods()) {
                if (Modifier.isStatic(method.getModifiers()) || method.isSynthetic()) {
                    if (method.isAnnotationPresent(JsonbCreator.class)) {
                        creatorNames(method, names);
                    }
                    continue;
                }
                Type valueType = readsItself(method) ? Object.class : method.getParameterCount() == 1
                        ? method.getGenericParameterTypes()[0] : method.getGenericReturnType();
                named(method.getAnnotation(JsonbProperty.class)).ifPresent(n -> names.putIfAbsent(n, valueType));
                if (method.getName().startsWith("set") && method.getName().length() > 3
                        && method.getParameterCount() == 1 && !method.isAnnotationPresent(JsonbTransient.class)) {
                    String property = method.getName().substring(3);
                    names.putIfAbsent(property, valueType);
                    names.putIfAbsent(property.substring(0, 1).toLowerCase(Locale.ROOT) + property.substring(1), valueType);
                }
            }
        }
        for (Constructor<?> constructor : type.getDeclaredConstructors()) {
            if (constructor.isAnnotationPresent(JsonbCreator.class) || type.isRecord()) {
                creatorNames(constructor, names);
            }
        }
        return names;
    }

    /**
     * The member names the class knows in either direction, each with its property's type: those it
     * may be read from and those JSON-B writes from its getters ({@code getTotal()} as {@code total}),
     * so that an object that went out as JSON comes back in with its derived values.
     */
    public static Map<String, Type> known(Class<?> type) {
        Map<String, Type> names = readable(type);
        for (Method method : type.getMethods()) {
            String name = method.getName();
            int prefix = name.startsWith("get") ? 3 : name.startsWith("is") ? 2 : 0;
            if (prefix > 0 && name.length() > prefix && method.getParameterCount() == 0
                    && !Modifier.isStatic(method.getModifiers()) && method.getDeclaringClass() != Object.class) {
                String property = name.substring(prefix);
                Type valueType = method.getGenericReturnType();
                names.putIfAbsent(property.substring(0, 1).toLowerCase(Locale.ROOT) + property.substring(1), valueType);
                names.putIfAbsent(property, valueType);
                names.putIfAbsent(name, valueType);   // a record's getX() is written as "getX"
            }
        }
        return Map.copyOf(names);
    }

    private static void creatorNames(Executable creator, Map<String, Type> names) {
        Type[] types = creator.getGenericParameterTypes();
        Parameter[] parameters = creator.getParameters();
        for (int i = 0; i < parameters.length && i < types.length; i++) {
            Optional<String> named = named(parameters[i].getAnnotation(JsonbProperty.class));
            Type valueType = readsItself(parameters[i]) ? Object.class : types[i];
            if (named.isPresent()) {
                names.put(named.get(), valueType);
            } else if (parameters[i].isNamePresent()) {
                names.putIfAbsent(parameters[i].getName(), valueType);
            }
        }
    }

    /** A property read by its own adapter or deserializer, whose JSON need not look like its type. */
    private static boolean readsItself(java.lang.reflect.AnnotatedElement property) {
        return property.isAnnotationPresent(JsonbTypeAdapter.class)
                || property.isAnnotationPresent(JsonbTypeDeserializer.class);
    }

    private static Optional<String> named(JsonbProperty property) {
        return property == null || property.value().isEmpty() ? Optional.empty() : Optional.of(property.value());
    }
}
