package io.nvent;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Stereotype;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Container of repeated {@link FlowStep} annotations: a class annotated {@code @FlowStep} more than
 * once carries this annotation instead, and is one step of each flow named.
 *
 * <p>Like {@code @FlowStep} it is a stereotype that makes the class an {@code @ApplicationScoped}
 * bean, so a class with several {@code @FlowStep} is discovered in {@code annotated} bean-discovery
 * mode too. There is no need to write it: repeat {@code @FlowStep} instead.
 *
 * @since 0.1
 */
@Stereotype
@ApplicationScoped
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface FlowSteps {

    /**
     * The steps this class is, one per flow.
     *
     * @return the annotations, in declaration order
     */
    FlowStep[] value();
}
