package io.nvent.spi;

import jakarta.enterprise.util.AnnotationLiteral;
import jakarta.inject.Qualifier;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Qualifies a CDI bean as the adapter of the given name, e.g. {@code @Adapter("jpa")} on a
 * {@link FlowStore}. The engine picks the bean whose name the configuration selects.
 *
 * @since 0.1
 */
@Qualifier
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.FIELD, ElementType.PARAMETER})
public @interface Adapter {

    /**
     * Adapter name, as used in configuration.
     *
     * @return the name, such as {@code "jpa"} or {@code "memory"}
     */
    String value();

    /**
     * Literal for programmatic lookup, e.g.
     * {@code CDI.current().select(FlowStore.class, Adapter.Literal.of("jpa"))}.
     */
    final class Literal extends AnnotationLiteral<Adapter> implements Adapter {
        private static final long serialVersionUID = 1L;

        /** The adapter name; part of the serialized form. */
        private final String value;

        private Literal(String value) {
            this.value = value;
        }

        /**
         * The qualifier {@code @Adapter(name)}.
         *
         * @param name the adapter name
         * @return a literal equal to {@code @Adapter(name)}
         */
        public static Literal of(String name) {
            return new Literal(name);
        }

        @Override
        public String value() {
            return value;
        }
    }
}
