package io.nvent.cdi.internal.engine;

import io.nvent.NventException;
import io.nvent.PayloadViolation;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ElementKind;
import jakarta.validation.Path;
import jakarta.validation.Validation;
import jakarta.validation.ValidationException;
import jakarta.validation.Validator;
import jakarta.validation.ValidatorFactory;
import java.lang.reflect.Type;
import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * {@link InputConstraints} by a Bean Validation {@link Validator} (Default group; {@code @Valid} cascades).
 * Whether a class declares constraints is asked once per class: an input of a class that declares none (a
 * {@code Map}, a {@code JsonObject}, a plain record) costs one cached flag.
 */
final class BeanValidationConstraints implements InputConstraints {

    /** Longest JSON of a refused value given as it is; a longer one is cut. */
    private static final int MAX_VALUE_CHARS = 200;

    private final Validator validator;
    private final Json json;
    private final ClassValue<Boolean> constrained = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
            return validator.getConstraintsForClass(type).isBeanConstrained();
        }
    };

    BeanValidationConstraints(Validator validator, Json json) {
        this.validator = validator;
        this.json = json;
    }

    /** The container's validator, if it has one. */
    static Optional<InputConstraints> ofBean(BeanManager beans, Json json) {
        Instance<Validator> validators = beans.createInstance().select(Validator.class);
        return validators.isResolvable() ? Optional.of(new BeanValidationConstraints(validators.get(), json))
                : Optional.empty();
    }

    /**
     * A validator of the provider on the class path, if there is one, judging {@code @Future} and {@code @Past} by
     * {@code clock} (a {@code FlowTestEnvironment}'s virtual time) rather than the provider's wall clock.
     */
    static Optional<InputConstraints> ofProvider(Json json, Clock clock) {
        return ClassPath.FACTORY.map(factory -> new BeanValidationConstraints(
                factory.usingContext().clockProvider(() -> clock).getValidator(), json));
    }

    /**
     * The class path's validator factory, built once: each embedded engine (a test's {@code FlowTestEnvironment})
     * shares it rather than bootstrapping the provider again; it is thread-safe and holds no state of an engine.
     */
    private static final class ClassPath {
        /** Why there is none: no provider, or one that cannot start (Hibernate Validator without EL, say). */
        static volatile String unavailable = "";
        static final Optional<ValidatorFactory> FACTORY = build();

        private static Optional<ValidatorFactory> build() {
            try {
                return Optional.of(Validation.buildDefaultValidatorFactory());
            } catch (ValidationException noProvider) {
                unavailable = String.valueOf(noProvider.getMessage());
                return Optional.empty();
            }
        }
    }

    /** Why the class path gives no validator, as its provider said; empty if it gives one or was not asked. */
    static String unavailable() {
        return ClassPath.unavailable;
    }

    @Override
    public List<PayloadViolation> violations(Object input, String what) {
        try {
            if (input == null || !constrained.get(input.getClass())) {
                return List.of();
            }
            return validator.validate(input).stream().map(this::violation)
                    .sorted(Comparator.comparing(PayloadViolation::path).thenComparing(PayloadViolation::message))
                    .toList();
        } catch (ValidationException broken) {
            // The provider's own exception is no caller's mistake: a deployment's, the same for every input.
            throw new NventException("NVENT-0448 the Bean Validation constraints of " + what + " ("
                    + input.getClass().getName() + ") cannot be checked: " + broken.getMessage()
                    + "; fix their declaration and redeploy", broken);
        }
    }

    private PayloadViolation violation(ConstraintViolation<Object> violation) {
        return new PayloadViolation(path(violation.getRootBeanClass(), violation.getPropertyPath()),
                violation.getMessage(), valueText(violation.getInvalidValue()));
    }

    /** {@code path} as Bean Validation writes it ({@code parcel.weight}, {@code events[0].n}), in JSON names. */
    private static String path(Class<?> root, Path path) {
        StringBuilder text = new StringBuilder();
        Type current = root;
        for (Path.Node node : path) {
            if (node.isInIterable()) {
                current = JsonNames.elementOf(current);
                text.append('[').append(node.getIndex() != null ? node.getIndex()
                        : node.getKey() != null ? node.getKey() : "").append(']');
            }
            String name = node.getName();
            if (name == null) {
                continue;
            }
            if (node.getKind() == ElementKind.PROPERTY) {
                Optional<JsonNames.Property> property = JsonNames.property(JsonNames.rawOf(current), name);
                name = property.map(JsonNames.Property::jsonName).orElse(name);
                current = property.<Type>map(JsonNames.Property::type).orElse(Object.class);
            }
            if (!text.isEmpty()) {
                text.append('.');
            }
            text.append(name);
        }
        return text.toString();
    }

    /** The value as JSON, cut when long; its text as a JSON string when JSON-B cannot write it. */
    private String valueText(Object value) {
        String text;
        try {
            text = json.toJson(value, "invalid value");
        } catch (RuntimeException notJson) {
            text = json.toJson(String.valueOf(value), "invalid value");
        }
        return text.length() <= MAX_VALUE_CHARS ? text
                : json.toJson(text.substring(0, MAX_VALUE_CHARS) + "…", "invalid value");
    }
}
