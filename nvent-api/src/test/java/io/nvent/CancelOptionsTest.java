package io.nvent;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CancelOptionsTest {

    @Test
    void aRunIsCanceledAloneUnlessTheOptionsAskForItsChildrenTenThousandAtATime() {
        assertThat(CancelOptions.DEFAULTS).isEqualTo(new CancelOptions(false, CancelOptions.MAX_LIMIT));
        assertThat(CancelOptions.withChildren()).isEqualTo(new CancelOptions(true, 10_000));
        assertThat(CancelOptions.withChildren().toBuilder().limit(1).build()).isEqualTo(new CancelOptions(true, 1));
    }

    @Test
    void aCancelCompensatesOnlyWhenTheOptionsAskForIt() {
        assertThat(CancelOptions.DEFAULTS.compensate()).isFalse();
        assertThat(CancelOptions.compensating()).isEqualTo(new CancelOptions(false, 10_000, true));
        assertThat(CancelOptions.withChildren().toBuilder().compensate(true).build().toBuilder().limit(5).build())
                .isEqualTo(new CancelOptions(true, 5, true));
    }

    @Test
    void aLimitOutsideOneToTenThousandIsRefusedByTheBuilderAtOnce() {
        CancelOptions.Builder builder = CancelOptions.newBuilder();
        assertThatThrownBy(() -> builder.limit(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("NVENT-0297 a cancel's limit of descendants must be within 1..10000; was 0");
        assertThatThrownBy(() -> builder.limit(10_001)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new CanceledRuns(true, -1, false)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aFlowServiceWrittenBefore02CancelsTheRunAloneAndRefusesItsChildrenRatherThanLeaveThemRunning() {
        List<String> canceled = new ArrayList<>();
        FlowService before02 = (FlowService) Proxy.newProxyInstance(CancelOptionsTest.class.getClassLoader(),
                new Class<?>[] {FlowService.class}, (proxy, method, args) -> {
                    if (method.isDefault()) {
                        return InvocationHandler.invokeDefault(proxy, method, args);
                    }
                    canceled.add((String) args[0]);
                    return true;
                });

        assertThat(before02.cancel("r-1", CancelOptions.DEFAULTS)).isEqualTo(new CanceledRuns(true, 0, false));
        assertThatThrownBy(() -> before02.cancel("r-2", CancelOptions.withChildren()))
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageStartingWith("NVENT-0298 ").hasMessageContaining("cannot cancel a run with its children");
        assertThatThrownBy(() -> before02.cancel("r-3", CancelOptions.compensating()))
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageStartingWith("NVENT-0218 ").hasMessageContaining("compensating its completed steps");
        assertThat(canceled).as("runs canceled").containsExactly("r-1");
    }
}
