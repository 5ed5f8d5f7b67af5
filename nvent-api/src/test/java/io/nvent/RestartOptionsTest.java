package io.nvent;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RestartOptionsTest {

    @Test
    void aKeyIsCheckedAsAStartsKeyIsWhenItIsGiven() {
        assertThat(RestartOptions.idempotent("req-1").idempotencyKey()).hasValue("req-1");
        assertThat(RestartOptions.DEFAULTS.idempotencyKey()).isEmpty();
        assertThatThrownBy(() -> RestartOptions.newBuilder().idempotencyKey(" "))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("an idempotency key must not be blank");
        assertThatThrownBy(() -> RestartOptions.idempotent("x".repeat(StartOptions.MAX_KEY_LENGTH + 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most 255 characters");
        assertThatThrownBy(() -> RestartOptions.idempotent("a\nb")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RestartOptions.idempotent(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("key");
    }

    @Test
    void aFlowServiceWrittenBefore02RestartsAndRerunsWithoutAKeyAndRefusesAKeyRatherThanIgnoreIt() {
        FlowService before02 = flowServiceAnswering((proxy, method, args) -> switch (method.getName()) {
            case "restart", "rerunFrom" -> method.isDefault()
                    ? InvocationHandler.invokeDefault(proxy, method, args) : "copy-of-" + args[0];
            default -> throw new UnsupportedOperationException(method.getName());
        });

        assertThat(before02.restart("r-1", RestartOptions.DEFAULTS)).isEqualTo(new StartedRun("copy-of-r-1", true));
        assertThat(before02.rerunFrom("r-1", "ship", RestartOptions.DEFAULTS))
                .isEqualTo(new StartedRun("copy-of-r-1", true));
        assertThatThrownBy(() -> before02.restart("r-1", RestartOptions.idempotent("k")))
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageStartingWith("NVENT-0277 ").hasMessageContaining("cannot restart a run with an idempotency key");
        assertThatThrownBy(() -> before02.rerunFrom("r-1", "ship", RestartOptions.idempotent("k")))
                .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("cannot rerun a run");
    }

    private static FlowService flowServiceAnswering(InvocationHandler handler) {
        return (FlowService) Proxy.newProxyInstance(RestartOptionsTest.class.getClassLoader(),
                new Class<?>[] {FlowService.class}, handler);
    }
}
