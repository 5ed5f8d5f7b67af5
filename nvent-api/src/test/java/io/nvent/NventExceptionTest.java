package io.nvent;

import jakarta.ejb.ApplicationException;
import java.lang.annotation.Annotation;
import java.net.URL;
import java.net.URLClassLoader;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** nvent's exceptions thrown through a session bean, and without any EJB container at all. */
class NventExceptionTest {

    @Test
    void everyNventExceptionReachesAnEjbCallerUnwrappedAndRollsItsTransactionBack() {
        ApplicationException marker = NventException.class.getAnnotation(ApplicationException.class);
        assertThat(marker).as("an application exception, not wrapped in an EJBException").isNotNull();
        assertThat(marker.inherited()).as("the container applies it to every subclass").isTrue();
        assertThat(marker.rollback()).as("the transaction rolls back, as for the system exception before").isTrue();
        assertThat(NventException.class).isAssignableFrom(IdempotencyKeyConflictException.class);
    }

    @Test
    void withoutTheEjbApiOnTheClassPathTheExceptionsLoadAndThrowAsBefore() throws Exception {
        URL api = NventException.class.getProtectionDomain().getCodeSource().getLocation();
        // Only nvent-api's own classes and the JDK's: no jakarta.* at all, as in an application without EJB.
        try (URLClassLoader withoutEjb = new URLClassLoader(new URL[] {api}, ClassLoader.getPlatformClassLoader())) {
            assertThatThrownBy(() -> withoutEjb.loadClass(ApplicationException.class.getName()))
                    .isInstanceOf(ClassNotFoundException.class);
            Class<?> conflict = withoutEjb.loadClass(IdempotencyKeyConflictException.class.getName());
            Class<?> root = withoutEjb.loadClass(NventException.class.getName());
            assertThat(root.getAnnotations()).as("the annotation is skipped, not an error").isEmpty();
            RuntimeException thrown = (RuntimeException) conflict
                    .getConstructor(String.class, String.class, String.class).newInstance("orders", "k-1", "r-1");
            assertThat(thrown).isInstanceOf(root).hasMessageContaining("k-1");
            assertThat(root.getMethod("isRetryable").invoke(thrown)).isEqualTo(false);
            assertThat(java.util.Arrays.stream(conflict.getAnnotations()).map(Annotation::annotationType))
                    .isEmpty();
        }
    }
}
