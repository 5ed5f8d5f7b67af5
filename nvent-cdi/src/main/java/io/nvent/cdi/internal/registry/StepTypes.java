package io.nvent.cdi.internal.registry;

import io.nvent.Step;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Finds the input type {@code I} a class declares by implementing {@link Step Step&lt;I, O&gt;},
 * following superclasses and type variables.
 */
public final class StepTypes {

    private StepTypes() {
    }

    /** The resolved input type, or empty when the class does not implement Step with a concrete I. */
    public static Optional<Type> inputType(Class<?> beanClass) {
        return find(beanClass, new HashMap<>());
    }

    private static Optional<Type> find(Type type, Map<TypeVariable<?>, Type> bindings) {
        Class<?> raw;
        if (type instanceof ParameterizedType parameterized) {
            raw = (Class<?>) parameterized.getRawType();
            TypeVariable<?>[] variables = raw.getTypeParameters();
            Type[] arguments = parameterized.getActualTypeArguments();
            for (int i = 0; i < variables.length; i++) {
                bindings.put(variables[i], resolve(arguments[i], bindings));
            }
            if (raw == Step.class) {
                Type input = resolve(arguments[0], bindings);
                return input instanceof TypeVariable<?> ? Optional.empty() : Optional.of(input);
            }
        } else if (type instanceof Class<?> c) {
            raw = c;
        } else {
            return Optional.empty();
        }
        for (Type iface : raw.getGenericInterfaces()) {
            Optional<Type> found = find(iface, bindings);
            if (found.isPresent()) {
                return found;
            }
        }
        Type superclass = raw.getGenericSuperclass();
        return superclass == null ? Optional.empty() : find(superclass, bindings);
    }

    private static Type resolve(Type type, Map<TypeVariable<?>, Type> bindings) {
        Type resolved = type;
        while (resolved instanceof TypeVariable<?> variable && bindings.containsKey(variable)) {
            resolved = bindings.get(variable);
        }
        return resolved;
    }
}
