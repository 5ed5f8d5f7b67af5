package io.nvent.cdi.internal.engine;

import io.nvent.StartOptions;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The keys under which a step execution starts its children. */
class ChildStartsTest {

    private static final String RUN = "5f0c2a8e-1b7d-4c3e-9a61-0d2f8b7e4c10";

    @Test
    void anExecutionNumbersItsStartsOfEachFlowAndReadsTheStepsFailuresOnce() {
        AtomicInteger reads = new AtomicInteger();
        ChildStarts starts = new ChildStarts(RUN, "dispatch", 2, () -> {
            reads.incrementAndGet();
            return 0;
        });

        assertThat(starts.<String>startNext("shipment", "{}", key -> key)).isEqualTo("nvent-child/" + RUN + "/dispatch/attempt-2/shipment/1");
        assertThat(starts.<String>startNext("invoice", "{}", key -> key)).isEqualTo("nvent-child/" + RUN + "/dispatch/attempt-2/invoice/1");
        assertThat(starts.<String>startNext("shipment", "{}", key -> key)).isEqualTo("nvent-child/" + RUN + "/dispatch/attempt-2/shipment/2");
        assertThat(reads).hasValue(1);
    }

    @Test
    void aStartThatThrowsLeavesItsKeyToTheNextStartOfTheFlow() {
        ChildStarts starts = new ChildStarts(RUN, "dispatch", 1, () -> 0);

        assertThatThrownBy(() -> starts.startNext("shipment", "{\"parcel\":\"A\"}", key -> {
            throw new IllegalStateException("the store is away");
        })).hasMessage("the store is away");

        assertThat(starts.<String>startNext("shipment", "{\"parcel\":\"A\"}", key -> key))
                .as("the same child tried again").isEqualTo("nvent-child/" + RUN + "/dispatch/attempt-1/shipment/1");
        assertThat(starts.<String>startNext("shipment", "{\"parcel\":\"B\"}", key -> key))
                .isEqualTo("nvent-child/" + RUN + "/dispatch/attempt-1/shipment/2");
    }

    @Test
    void aStepThatGoesOnPastAFailedStartStartsItsNextChildUnderTheKeyItWouldHaveHad() {
        ChildStarts starts = new ChildStarts(RUN, "dispatch", 1, () -> 0);

        assertThatThrownBy(() -> starts.startNext("shipment", "{\"parcel\":\"A\"}", key -> {
            throw new IllegalStateException("the store is away");
        })).hasMessage("the store is away");

        assertThat(starts.<String>startNext("shipment", "{\"parcel\":\"B\"}", key -> key))
                .as("an execution whose start of A succeeded starts B second")
                .isEqualTo("nvent-child/" + RUN + "/dispatch/attempt-1/shipment/2");
        assertThat(starts.<String>startNext("shipment", "{\"parcel\":\"A\"}", key -> key))
                .as("A tried again at the end").isEqualTo("nvent-child/" + RUN + "/dispatch/attempt-1/shipment/1");
    }

    @Test
    void aKeyTooLongForTheStoreIsTheRunAndADigestOfTheRest() {
        String longFlow = "f".repeat(300);

        String key = ChildStarts.key(RUN, "dispatch", 0, 1, longFlow, 1);

        assertThat(key).hasSizeLessThanOrEqualTo(StartOptions.MAX_KEY_LENGTH).startsWith("nvent-child/" + RUN + "/sha256:")
                .isNotEqualTo(ChildStarts.key(RUN, "dispatch", 0, 1, longFlow, 2))
                .isNotEqualTo(ChildStarts.key(RUN, "dispatch", 0, 2, longFlow, 1));
        assertThat(ChildStarts.key("r".repeat(250), "dispatch", 0, 1, longFlow, 1))
                .hasSizeLessThanOrEqualTo(StartOptions.MAX_KEY_LENGTH);
    }

    @Test
    void aGeneratedKeyIsHeldApartFromTheSameTextGivenAsACallersKey() {
        String key = ChildStarts.key(RUN, "dispatch", 0, 1, "shipment", 1);

        assertThat(FlowEngine.storedKey("shipment", ChildStarts.SCOPE + key))
                .isNotEqualTo(FlowEngine.storedKey("shipment", key));
    }
}
