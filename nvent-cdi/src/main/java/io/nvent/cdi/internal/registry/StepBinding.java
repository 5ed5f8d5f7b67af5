package io.nvent.cdi.internal.registry;

import io.nvent.RetryDecider;
import io.nvent.StepDefinition;
import java.lang.reflect.Type;
import java.util.Optional;

/**
 * A registered step with what the engine needs to call it.
 *
 * @param flow flow name
 * @param definition the public definition (with defaults applied)
 * @param beanClass the CDI bean class
 * @param inputType the {@code I} of its {@code Step<I, O>}
 * @param retryDecider the step's {@link RetryDecider}, if it names one
 */
public record StepBinding(String flow, StepDefinition definition, Class<?> beanClass, Type inputType,
                          Optional<Class<? extends RetryDecider>> retryDecider) {

    public String step() {
        return definition.name();
    }
}
