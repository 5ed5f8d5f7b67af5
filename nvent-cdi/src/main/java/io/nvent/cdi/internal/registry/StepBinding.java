package io.nvent.cdi.internal.registry;

import io.nvent.StepDefinition;
import java.lang.reflect.Type;

/**
 * A registered step with what the engine needs to call it.
 *
 * @param flow flow name
 * @param definition the public definition (with defaults applied)
 * @param beanClass the CDI bean class
 * @param inputType the {@code I} of its {@code Step<I, O>}
 */
public record StepBinding(String flow, StepDefinition definition, Class<?> beanClass, Type inputType) {

    public String step() {
        return definition.name();
    }
}
