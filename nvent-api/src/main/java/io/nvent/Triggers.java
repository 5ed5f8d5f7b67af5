package io.nvent;

import jakarta.enterprise.inject.Stereotype;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Container of repeated {@link Trigger} annotations.
 *
 * <p>It is a stereotype (of no scope) only so that a class carrying it without {@link FlowStep} is
 * discovered in {@code annotated} bean-discovery mode too, and fails the deployment naming the class
 * instead of doing nothing.
 *
 * @since 0.1
 */
@Stereotype
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface Triggers {

    /**
     * The triggers.
     *
     * @return the repeated annotations, in declaration order
     */
    Trigger[] value();
}
