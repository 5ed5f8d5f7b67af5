package io.nvent.cdi.internal.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.nvent.BackoffType;
import io.nvent.FlowStep;
import io.nvent.RetryPolicy;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which retry policy a step gets from its annotation and the configured defaults. */
class StepRetryPolicyTest {

    private static final Duration TEN_SECONDS = Duration.ofSeconds(10);
    private static final Duration ONE_MINUTE = Duration.ofMinutes(1);
    private static final Duration TEN_MINUTES = Duration.ofMinutes(10);

    /** As nvent.step.retry-delays-ms=10000,60000,600000 and nvent.step.retry-jitter=0.1 (max-attempts unset). */
    private static final StepDefaults LISTED = new StepDefaults(4, Duration.ofSeconds(1), Duration.ofMinutes(5),
            Duration.ofMinutes(5), Duration.ofHours(24), 3, List.of(TEN_SECONDS, ONE_MINUTE, TEN_MINUTES), 0.1);

    private static RetryPolicy retryOf(Class<?> step, StepDefaults defaults) {
        return defaults.apply(StepDeclaration.allOf(step).get(0)).retry();
    }

    @FlowStep(flow = "f", role = StepRole.ENTRY, retryDelaysMs = {10_000, 60_000, 600_000}, retryJitter = 0.2)
    static class Listed implements Step<Object, Void> {
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @FlowStep(flow = "f", role = StepRole.ENTRY, maxAttempts = 6, retryDelaysMs = {10_000, 60_000})
    static class ListedWithMoreAttempts implements Step<Object, Void> {
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @FlowStep(flow = "f", role = StepRole.ENTRY, maxAttempts = 3)
    static class ThreeAttempts implements Step<Object, Void> {
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @FlowStep(flow = "f", role = StepRole.ENTRY, maxAttempts = 3, backoff = BackoffType.FIXED, backoffDelayMs = 5_000)
    static class OwnBackoff implements Step<Object, Void> {
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @FlowStep(flow = "f", role = StepRole.ENTRY)
    static class NothingOfItsOwn implements Step<Object, Void> {
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void aStepListingItsDelaysMakesOneAttemptMoreThanItListsUnlessItGivesItsAttempts() {
        assertThat(retryOf(Listed.class, StepDefaults.STANDARD)).isEqualTo(RetryPolicy.newBuilder()
                .delays(TEN_SECONDS, ONE_MINUTE, TEN_MINUTES).jitter(0.2).build());
        assertThat(retryOf(Listed.class, StepDefaults.STANDARD).maxAttempts()).isEqualTo(4);
        RetryPolicy more = retryOf(ListedWithMoreAttempts.class, LISTED);
        assertThat(more.maxAttempts()).isEqualTo(6);
        assertThat(more.delays()).as("its own list, not the configured one").containsExactly(TEN_SECONDS, ONE_MINUTE);
        assertThat(more.jitter()).as("the configured jitter").isEqualTo(0.1);
    }

    @Test
    void aStepWithoutBackoffOfItsOwnTakesTheConfiguredListAsFarAsItsAttemptsReach() {
        assertThat(retryOf(NothingOfItsOwn.class, LISTED)).isEqualTo(RetryPolicy.newBuilder()
                .delays(TEN_SECONDS, ONE_MINUTE, TEN_MINUTES).jitter(0.1).build());
        assertThat(retryOf(ThreeAttempts.class, LISTED).delays()).containsExactly(TEN_SECONDS, ONE_MINUTE);
        assertThat(retryOf(ThreeAttempts.class, LISTED).maxAttempts()).isEqualTo(3);
    }

    @Test
    void aStepWithABackoffOfItsOwnKeepsItBesideAConfiguredList() {
        RetryPolicy own = retryOf(OwnBackoff.class, LISTED);

        assertThat(own.delays()).isEmpty();
        assertThat(own.backoff()).isEqualTo(BackoffType.FIXED);
        assertThat(own.delayBefore(3)).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void withoutListNorJitterConfiguredAStepRetriesAsBefore() {
        assertThat(retryOf(ThreeAttempts.class, StepDefaults.STANDARD)).isEqualTo(new RetryPolicy(3,
                BackoffType.EXPONENTIAL, Duration.ofSeconds(1), Duration.ofMinutes(5)));
    }
}
