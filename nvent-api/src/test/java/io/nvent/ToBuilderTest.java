package io.nvent;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * An option record's {@code toBuilder()} holds every component, so that changing one keeps the others: a component
 * added to the record later fails here until its samples set it and {@code toBuilder()} carries it.
 */
class ToBuilderTest {

    @Test
    void startOptionsKeepEveryComponentThroughTheirBuilder() {
        assertEveryComponentSurvives(StartOptions.class, StartOptions.DEFAULTS, o -> o.toBuilder().build(),
                StartOptions.newBuilder().idempotencyKey("order-7").delay(Duration.ofMinutes(5))
                        .concurrencyKey("customer-42", 3).labels("vip", "eu").timeout(Duration.ofHours(48)).build(),
                StartOptions.newBuilder().concurrencyKey("customer-42", 1).build(),
                StartOptions.newBuilder().concurrencyKey("customer-42").build());
    }

    @Test
    void changingOneThingThroughTheBuilderKeepsTheOthers() {
        StartOptions options = StartOptions.newBuilder().idempotencyKey("order-7").delay(Duration.ofMinutes(5))
                .concurrencyKey("customer-42").label("eu").build();

        StartOptions labelled = options.toBuilder().labels("x").build();

        assertThat(labelled).isEqualTo(new StartOptions(options.idempotencyKey(), options.delay(),
                options.concurrencyKey(), 1, false, java.util.Set.of("eu", "x")));
        assertThat(labelled.concurrencyLimitChosen()).as("a limit left at its default stays unchosen").isFalse();
        assertThat(StartOptions.DEFAULTS.toBuilder().build()).isEqualTo(StartOptions.DEFAULTS);
    }

    @Test
    void eventAndRestartOptionsKeepTheirKeyThroughTheirBuilder() {
        assertEveryComponentSurvives(EventOptions.class, EventOptions.DEFAULTS, o -> o.toBuilder().build(),
                EventOptions.idempotent("order-7"));
        assertEveryComponentSurvives(RestartOptions.class, RestartOptions.DEFAULTS, o -> o.toBuilder().build(),
                RestartOptions.idempotent("order-7"));
        assertThat(EventOptions.DEFAULTS.toBuilder().build()).isEqualTo(EventOptions.DEFAULTS);
        assertThat(RestartOptions.DEFAULTS.toBuilder().build()).isEqualTo(RestartOptions.DEFAULTS);
    }

    @Test
    void cancelOptionsKeepEveryComponentThroughTheirBuilder() {
        assertEveryComponentSurvives(CancelOptions.class, CancelOptions.DEFAULTS, o -> o.toBuilder().build(),
                CancelOptions.newBuilder().children(true).limit(7).compensate(true).build());
        assertThat(CancelOptions.DEFAULTS.toBuilder().build()).isEqualTo(CancelOptions.DEFAULTS);
    }

    @Test
    void aTriggerSpecKeepsEveryComponentThroughItsBuilder() {
        assertEveryComponentSurvives(TriggerSpec.class, TriggerSpec.newBuilder("t", TriggerType.MANUAL).flow("f").build(),
                spec -> spec.toBuilder().build(),
                TriggerSpec.newBuilder("nightly", TriggerType.SCHEDULE).flows(List.of("report", "audit"))
                        .cron("0 2 * * *").timezone(ZoneId.of("Europe/Berlin")).description("the nightly report")
                        .enabled(false).misfire(Misfire.SKIP).misfireGrace(Duration.ofHours(6))
                        .concurrencyKey("reports").concurrencyLimit(3).labels("nightly", "billing")
                        .runTimeout(Duration.ofHours(2)).build(),
                TriggerSpec.newBuilder("poll", TriggerType.SCHEDULE).flow("report").every(Duration.ofMinutes(5))
                        .overlap(Overlap.SKIP).exclude("--12-25").build(),
                TriggerSpec.newBuilder("orders", TriggerType.EVENT).flow("order").event("order.placed")
                        .filter("{\"region\":\"eu\"}").concurrencyKeyFrom("/customerId").concurrencyKeyPrefix("customer:")
                        .debounce(Duration.ofSeconds(30)).debounceKeyFrom("/customerId").debounceMax(Duration.ofMinutes(5))
                        .build(),
                TriggerSpec.newBuilder("notify", TriggerType.WEBHOOK).flow("digest").batch(100, Duration.ofSeconds(10))
                        .batchKeyFrom("/userId").build());
    }

    /**
     * Asserts that each sample comes out of {@code roundTrip} equal in every component, and that the samples between
     * them set every component of the record to another value than {@code defaults} has.
     */
    @SafeVarargs
    private static <R extends Record> void assertEveryComponentSurvives(Class<R> type, R defaults, UnaryOperator<R> roundTrip,
                                                                        R... samples) {
        for (RecordComponent component : type.getRecordComponents()) {
            assertThat(List.of(samples)).as("a sample that sets %s.%s", type.getSimpleName(), component.getName())
                    .anySatisfy(sample -> assertThat(valueOf(component, sample))
                            .isNotEqualTo(valueOf(component, defaults)));
            for (R sample : samples) {
                assertThat(valueOf(component, roundTrip.apply(sample))).as("%s.%s of %s", type.getSimpleName(),
                        component.getName(), sample).isEqualTo(valueOf(component, sample));
            }
        }
    }

    private static Object valueOf(RecordComponent component, Record record) {
        try {
            return component.getAccessor().invoke(record);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new AssertionError(e);
        }
    }
}
