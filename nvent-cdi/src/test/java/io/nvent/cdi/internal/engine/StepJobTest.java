package io.nvent.cdi.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class StepJobTest {

    @Test
    void aJobCarriesTheVersionOfTheRunWhoseWriteQueuedIt() {
        StepJob job = new StepJob("run-1", "parcel", "send", OptionalLong.of(12));

        assertThat(StepJob.parse(job.toJson())).isEqualTo(job);
    }

    @Test
    void aJobQueuedBeforeVersionsWereRecordedHasNone() {
        StepJob job = StepJob.parse("{\"runId\":\"run-1\",\"flow\":\"parcel\",\"step\":\"send\"}");

        assertThat(job).isEqualTo(new StepJob("run-1", "parcel", "send", OptionalLong.empty()));
        assertThat(StepJob.parse(job.toJson())).isEqualTo(job);
    }

    @Test
    void aJobReadsPastFieldsOfALaterRelease() {
        StepJob job = StepJob.parse("{\"runId\":\"run-1\",\"later\":{\"step\":\"other\",\"list\":[{\"flow\":\"x\"}]},"
                + "\"flow\":\"parcel\",\"step\":\"send\",\"version\":3}");

        assertThat(job).isEqualTo(new StepJob("run-1", "parcel", "send", OptionalLong.of(3)));
    }

    @Test
    void aPayloadThatIsNotAStepJobIsRefusedWithWhatItHolds() {
        assertThatThrownBy(() -> StepJob.parse("{\"runId\":\"run-1\",\"flow\":\"parcel\"}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("step are required")
                .hasMessageContaining("run-1");
        assertThatThrownBy(() -> StepJob.parse("{\"runId\":7,\"flow\":\"parcel\",\"step\":\"send\"}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("VALUE_NUMBER");
    }
}
