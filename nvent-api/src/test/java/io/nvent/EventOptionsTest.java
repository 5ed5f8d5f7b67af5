package io.nvent;

import io.nvent.spi.RequestKey;
import io.nvent.spi.SchedulingStore;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EventOptionsTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void aKeyIsCheckedAsAStartsKeyIsWhenItIsGiven() {
        assertThat(EventOptions.idempotent("req-1").idempotencyKey()).hasValue("req-1");
        assertThat(EventOptions.DEFAULTS.idempotencyKey()).isEmpty();
        assertThatThrownBy(() -> EventOptions.newBuilder().idempotencyKey(" "))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("an idempotency key must not be blank");
        assertThatThrownBy(() -> EventOptions.idempotent("x".repeat(StartOptions.MAX_KEY_LENGTH + 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most 255 characters");
        assertThatThrownBy(() -> EventOptions.idempotent("a\tb")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new EventOptions(Optional.of(""))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EventOptions.idempotent(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("key");
    }

    @Test
    void aFlowServiceWrittenBefore02EmitsAndPublishesWithoutAKeyAndRefusesAKeyRatherThanIgnoreIt() {
        FlowService before02 = (FlowService) proxy(FlowService.class, (proxy, method, args) -> {
            if (method.isDefault()) {
                return InvocationHandler.invokeDefault(proxy, method, args);
            }
            return switch (method.getName()) {
                case "emit" -> null;
                case "publishEvent" -> new EventDelivery(List.of("r-1"), 2);
                default -> throw new UnsupportedOperationException(method.getName());
            };
        });

        assertThat(before02.emit("r-1", "paid", null, EventOptions.DEFAULTS)).isEqualTo(new Emitted(false));
        assertThat(before02.publishEvent("paid", null, EventOptions.DEFAULTS))
                .isEqualTo(new EventDelivery(List.of("r-1"), 2, false));
        assertThatThrownBy(() -> before02.emit("r-1", "paid", null, EventOptions.idempotent("k")))
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageStartingWith("NVENT-0282 ").hasMessageContaining("cannot emit an event with an idempotency key");
        assertThatThrownBy(() -> before02.publishEvent("paid", null, EventOptions.idempotent("k")))
                .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("cannot publish an event");
    }

    @Test
    void aSchedulingStoreWrittenBefore02RefusesToClaimAKeyNamingItselfAndHasNothingToForget() {
        SchedulingStore before02 = (SchedulingStore) proxy(SchedulingStore.class,
                (proxy, method, args) -> InvocationHandler.invokeDefault(proxy, method, args));
        RequestKey claim = new RequestKey(RequestKey.Scope.EMIT, "r-1", "k", "r", Optional.empty(), T0, T0);

        assertThatThrownBy(() -> before02.claimRequestKey(claim, T0))
                .isInstanceOf(UnsupportedByAdapterException.class)
                .hasMessageStartingWith(SchedulingStore.REQUEST_KEYS_UNSUPPORTED + " scheduling store "
                        + before02.getClass().getName());
        assertThat(before02.forgetRequestKey(claim)).isFalse();
        assertThat(before02.answerRequestKey(claim.withResponse("{}"))).isFalse();
        assertThat(before02.purgeRequestKeys(T0)).isZero();
    }

    @Test
    void aConflictOfAnEventNamesBothRequestsAndNoFlowOrRun() {
        IdempotencyKeyConflictException conflict = IdempotencyKeyConflictException.ofEvent("k-1",
                "another payload of event 'paid'", "a publish of event 'paid'");

        assertThat(conflict).hasMessage("NVENT-0281 idempotency key 'k-1' already delivered another payload of event"
                + " 'paid', so it cannot be the key of a publish of event 'paid'; nothing was delivered; a new request"
                + " needs a new key");
        assertThat(conflict.idempotencyKey()).isEqualTo("k-1");
        assertThat(conflict.flow()).isEmpty();
        assertThat(conflict.runId()).isEmpty();
    }

    @Test
    void aRequestKeyRefusesDigestsAndTargetsItsStoreCannotKeepAndAClaimThatExpiresBeforeItWasMade() {
        assertThatThrownBy(() -> new RequestKey(RequestKey.Scope.PUBLISH, "x".repeat(256), "k", "r", Optional.empty(),
                T0, T0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("target has 1..255");
        assertThatThrownBy(() -> new RequestKey(RequestKey.Scope.PUBLISH, "paid", "k".repeat(65), "r",
                Optional.empty(), T0, T0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RequestKey(RequestKey.Scope.PUBLISH, "paid", "k", "r", Optional.empty(), T0,
                T0.minusMillis(1))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expires");
        assertThat(RequestKey.Scope.ofWireName("emit")).isEqualTo(RequestKey.Scope.EMIT);
    }

    private static Object proxy(Class<?> type, InvocationHandler handler) {
        return Proxy.newProxyInstance(EventOptionsTest.class.getClassLoader(), new Class<?>[] {type}, handler);
    }
}
