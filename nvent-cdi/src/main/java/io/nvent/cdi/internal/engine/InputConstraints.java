package io.nvent.cdi.internal.engine;

import io.nvent.PayloadViolation;
import io.nvent.spi.internal.ExitSafeLogger;
import jakarta.enterprise.inject.spi.BeanManager;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The Bean Validation constraints of the steps' input classes, checked on a converted input: at a run's start
 * (the entry step's input, {@link FlowEngine}) and as a downstream step's attempt starts ({@link StepRunner}).
 * Without a Bean Validation provider ({@link #NONE}) nothing is checked. Every reference to {@code jakarta.validation} is
 * in {@link BeanValidationConstraints}, which is loaded only when its classes are there: the engine runs
 * without them.
 */
public interface InputConstraints {

    System.Logger LOG = ExitSafeLogger.of(InputConstraints.class);
    String VALIDATOR = "jakarta.validation.Validator";

    /** Checks nothing. */
    InputConstraints NONE = (input, what) -> List.of();

    /**
     * The constraints {@code input} breaks, sorted by path; empty when it keeps them, is {@code null}, or its
     * class declares none (known after its first input: a cached flag, no validation).
     *
     * @param what which input, for the message of constraints that cannot be checked
     * @throws io.nvent.NventException NVENT-0448 when its class's constraints cannot be checked (a constraint on a
     *     type it does not support, a broken declaration): the same input fails again, a deployment must fix it
     */
    List<PayloadViolation> violations(Object input, String what);

    /**
     * In a container: its {@code jakarta.validation.Validator} bean (Payara's and WildFly's Hibernate
     * Validator), else one of the provider on the class path, else none.
     */
    static InputConstraints inContainer(BeanManager beans, Json json, java.time.Clock clock) {
        if (!present()) {
            return none("jakarta.validation is not on the class path");
        }
        return BeanValidationConstraints.ofBean(beans, json)
                .or(() -> BeanValidationConstraints.ofProvider(json, clock))
                .orElseGet(() -> none(BeanValidationConstraints.unavailable()));
    }

    /**
     * Outside a container: a validator of the provider on the class path, judging {@code @Future} and
     * {@code @Past} by the engine's {@code clock}, else none.
     */
    static InputConstraints ofClassPath(Json json, java.time.Clock clock) {
        if (!present()) {
            return none("jakarta.validation is not on the class path");
        }
        return BeanValidationConstraints.ofProvider(json, clock)
                .orElseGet(() -> none(BeanValidationConstraints.unavailable()));
    }

    private static boolean present() {
        try {
            Class.forName(VALIDATOR, false, InputConstraints.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError absent) {
            return false;
        }
    }

    private static InputConstraints none(String why) {
        LOG.log(System.Logger.Level.INFO, "NVENT-0411 no Bean Validation provider can be used (" + why + "): the "
                + "constraints of step inputs (@NotBlank, @Positive, ...) are not checked; to check them at each "
                + "start, add a provider (org.hibernate.validator:hibernate-validator with "
                + "org.glassfish.expressly:expressly)");
        return NONE;
    }

    /**
     * The violations as a message says them: {@code amountCents must be greater than 0; …}. Without the refused
     * values: the message goes to logs and histories, and a value may be a secret (a password with {@code @Size});
     * the caller gets them in {@link io.nvent.InvalidPayloadException#violations()} (a 400's {@code violations}).
     */
    static String describe(List<PayloadViolation> violations) {
        return violations.stream().map(v -> (v.path().isEmpty() ? "" : v.path() + " ") + v.message())
                .collect(Collectors.joining("; "));
    }
}
