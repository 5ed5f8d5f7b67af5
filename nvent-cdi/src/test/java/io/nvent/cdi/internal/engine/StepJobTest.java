package io.nvent.cdi.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

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
}
