package io.nvent;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Optional;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** {@link TriggerService#nextTicksOf}'s default, as an implementation written for 0.1 gets it. */
class TriggerServiceNextTicksOfTest {

    /** Knows one trigger, a manual one; answers nothing else. */
    private static TriggerService written01() {
        TriggerInfo manual = new TriggerInfo(TriggerSpec.newBuilder("by-hand", TriggerType.MANUAL).flow("payroll")
                .build(), false, 0, 0, Optional.empty(), Optional.empty(), Optional.empty(), List.of());
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.isDefault()) {
                return InvocationHandler.invokeDefault(proxy, method, args);
            }
            if (method.getName().equals("trigger")) {
                return "by-hand".equals(args[0]) ? Optional.of(manual) : Optional.empty();
            }
            throw new UnsupportedOperationException(method.getName());
        };
        return (TriggerService) Proxy.newProxyInstance(TriggerService.class.getClassLoader(),
                new Class<?>[] {TriggerService.class}, handler);
    }

    @Test
    void aTriggerThatIsNoScheduleIsRefusedAsInvalidAsDocumentedNotAsUnsupported() {
        assertThatThrownBy(() -> written01().nextTicksOf("by-hand", Instant.EPOCH, 5))
                .isInstanceOf(InvalidTriggerException.class).hasMessageContaining("by-hand");
        assertThatThrownBy(() -> written01().nextTicksOf("nope", Instant.EPOCH, 5))
                .isInstanceOf(TriggerNotFoundException.class);
    }
}
