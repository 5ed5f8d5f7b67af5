package io.nvent.cdi.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.nvent.EventType;
import io.nvent.HistoryEvent;
import io.nvent.cdi.internal.engine.EngineMetrics.Counter;
import io.nvent.cdi.internal.engine.EngineMetrics.Series;
import io.nvent.cdi.internal.engine.EngineMetrics.StepKey;
import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
import java.time.Instant;
import java.util.Arrays;
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

    @Test
    void seriesAndStepKeysAreEqualOnlyWhenEveryComponentIs() throws ReflectiveOperationException {
        assertEqualOnlyWhenEveryComponentIs(Series.class);
        assertEqualOnlyWhenEveryComponentIs(StepKey.class);
    }

    /**
     * Their {@code equals} and {@code hashCode} are written out: a record equal to one that differs in a
     * single component, or hashed alike, leaves that component out of them (e.g. one added later).
     */
    private static void assertEqualOnlyWhenEveryComponentIs(Class<? extends Record> type)
            throws ReflectiveOperationException {
        RecordComponent[] components = type.getRecordComponents();
        Constructor<? extends Record> constructor = type.getDeclaredConstructor(
                Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new));
        Object[] values = Arrays.stream(components).map(c -> sample(c.getType(), 0)).toArray();
        Record record = constructor.newInstance(values);

        assertThat(constructor.newInstance(values.clone())).isEqualTo(record).hasSameHashCodeAs(record);
        for (int i = 0; i < components.length; i++) {
            Object[] other = values.clone();
            other[i] = sample(components[i].getType(), 1);
            Record differing = constructor.newInstance(other);

            assertThat(differing).as("%s differing in %s", type.getSimpleName(), components[i].getName())
                    .isNotEqualTo(record)
                    .doesNotHaveSameHashCodeAs(record);
        }
    }

    /** The first or second value of a component's type. */
    private static Object sample(Class<?> type, int which) {
        if (type == String.class) {
            return which == 0 ? "one" : "two";
        }
        if (type.isEnum()) {
            return type.getEnumConstants()[which];
        }
        throw new AssertionError("no sample values of " + type + ": add them here");
    }
}
