package io.nvent.jpa.internal.cdi;

import static org.assertj.core.api.Assertions.assertThat;

import io.nvent.spi.FlowStore;
import io.nvent.spi.SchedulingStore;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The CDI beans hand every call to the JPA store. An SPI method with a default body that a bean does
 * not override would run that default (do nothing, report nothing) instead of the store: a queue
 * pause recorded nowhere was found that way.
 */
class DelegatingBeansTest {

    @Test
    void theSchedulingStoreBeanOverridesEveryMethodOfTheSpi() {
        assertThat(notOverridden(SchedulingStore.class, JpaSchedulingStoreBean.class)).isEmpty();
    }

    @Test
    void theFlowStoreBeanOverridesEveryMethodOfTheSpi() {
        assertThat(notOverridden(FlowStore.class, JpaFlowStoreBean.class)).isEmpty();
    }

    private static List<String> notOverridden(Class<?> spi, Class<?> bean) {
        return Arrays.stream(spi.getMethods()).filter(method -> !Modifier.isStatic(method.getModifiers()))
                .filter(method -> !declares(bean, method)).map(Method::toGenericString).toList();
    }

    private static boolean declares(Class<?> bean, Method method) {
        try {
            bean.getDeclaredMethod(method.getName(), method.getParameterTypes());
            return true;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }
}
