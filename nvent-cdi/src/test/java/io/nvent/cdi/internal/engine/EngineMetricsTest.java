package io.nvent.cdi.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.nvent.EventType;
import io.nvent.HistoryEvent;
import io.nvent.cdi.internal.engine.EngineMetrics.Counter;
import io.nvent.cdi.internal.engine.EngineMetrics.Series;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class EngineMetricsTest {

    private static HistoryEvent retry(long seq, String data) {
        return new HistoryEvent("run-1", seq, EventType.STEP_RETRY, Optional.of("call"), 1, Instant.EPOCH, data);
    }

    @Test
    void stepsTheRateLimitQueuedAgainAreCountedApartFromRetries() {
        EngineMetrics metrics = new EngineMetrics();

        metrics.stored("quota", List.of(retry(1, "{\"error\":\"partner away\",\"nextAttempt\":2}"),
                retry(2, "{\"reason\":\"the rate limit ...\",\"rateLimited\":true}"),
                retry(3, "{\"reason\": \"the rate limit ...\", \"rateLimited\": true}")));

        assertThat(metrics.counts()).containsEntry(new Series(Counter.STEP_RETRIES, "quota", "call"), 1L)
                .containsEntry(new Series(Counter.STEPS_RATE_LIMITED, "quota", "call"), 2L);
    }

    @Test
    void aJobHandedBackByAnInstanceLackingTheStepIsNoRetry() {
        EngineMetrics metrics = new EngineMetrics();

        metrics.stored("quota", List.of(retry(1, "{\"reason\":\"... handed its job back (NVENT-0171) ...\","
                + "\"handedBackJob\":\"run-1:call:recover-handed-back-3-1\",\"handBacks\":1}")));

        assertThat(metrics.counts()).doesNotContainKey(new Series(Counter.STEP_RETRIES, "quota", "call"));
    }
}
