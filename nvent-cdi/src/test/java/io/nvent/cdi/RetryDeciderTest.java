package io.nvent.cdi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.nvent.BackoffType;
import io.nvent.EventQuery;
import io.nvent.EventType;
import io.nvent.FailedAttempt;
import io.nvent.FlowDefinition;
import io.nvent.FlowService;
import io.nvent.FlowStep;
import io.nvent.HistoryEvent;
import io.nvent.NventException;
import io.nvent.RetryDecider;
import io.nvent.RetryDecision;
import io.nvent.RunStatus;
import io.nvent.StepDefinition;
import io.nvent.StepRole;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** A step's retry decider decides the delay before each retry, or to give up, within the step's attempts. */
class RetryDeciderTest {

    private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");

    private final VirtualClock clock = VirtualClock.startingAt(T0);

    /** Waits as long as the failure says, and notes what it was asked. */
    public static final class PartnerSaysWhen implements RetryDecider {
        final List<FailedAttempt> asked = new CopyOnWriteArrayList<>();

        @Override
        public RetryDecision decide(FailedAttempt failed) {
            asked.add(failed);
            return RetryDecision.retryAfter(Duration.ofSeconds(42).multipliedBy(failed.attempt()));
        }
    }

    @FlowStep(flow = "partner", name = "call", role = StepRole.ENTRY, maxAttempts = 3, backoff = BackoffType.FIXED,
            backoffDelayMs = 1_000, retryDecider = PartnerSaysWhen.class)
    static final class CallsPartner extends RetryScheduleTest.AlwaysFails {
        CallsPartner(VirtualClock clock) {
            super(clock);
        }
    }

    @Test
    void eachRetryComesDueAfterTheDelayTheDeciderChoseAndItsEntryNamesTheDecider() {
        CallsPartner step = new CallsPartner(clock);
        PartnerSaysWhen decider = new PartnerSaysWhen();
        try (EmbeddedEngine engine = EmbeddedEngine.newBuilder().clock(clock).step(step).retryDecider(decider).build()) {
            String runId = engine.flows().start("partner", Map.of());

            for (Duration delay : List.of(Duration.ofSeconds(42), Duration.ofSeconds(84))) {
                await().atMost(Duration.ofSeconds(10)).until(() -> clock.nextTimer().isPresent());
                int before = step.attempts.size();
                assertThat(clock.nextTimer()).as("the retry after attempt " + before)
                        .contains(step.attempts.get(before - 1).plus(delay));
                clock.advanceTo(clock.nextTimer().orElseThrow());
                await().atMost(Duration.ofSeconds(10)).until(() -> step.attempts.size() == before + 1);
            }

            awaitStatus(engine.flows(), runId, RunStatus.FAILED);
            assertThat(step.attempts).containsExactly(T0, T0.plusSeconds(42), T0.plusSeconds(126));
            assertThat(decider.asked).as("asked about each attempt with attempts left, not the last")
                    .extracting(FailedAttempt::attempt).containsExactly(1, 2);
            assertThat(decider.asked.get(0)).satisfies(failed -> {
                assertThat(failed.runId()).isEqualTo(runId);
                assertThat(failed.flow()).isEqualTo("partner");
                assertThat(failed.step()).isEqualTo("call");
                assertThat(failed.maxAttempts()).isEqualTo(3);
                assertThat(failed.error()).isInstanceOf(IllegalStateException.class).hasMessage("partner away");
                assertThat(failed.declaredDelay()).as("the step's own backoff").isEqualTo(Duration.ofSeconds(1));
            });
            assertThat(entries(engine.flows(), runId, EventType.STEP_RETRY)).first().satisfies(retry -> assertThat(
                    retry.data()).contains("\"retryDecider\":\"" + PartnerSaysWhen.class.getName() + "\"",
                    "\"delayMs\":42000", "\"nextAttemptAt\":\"" + T0.plusSeconds(42) + "\""));
        }
    }

    /** Gives up on the first failure; made with its no-argument constructor. */
    public static final class GivesUp implements RetryDecider {
        @Override
        public RetryDecision decide(FailedAttempt failed) {
            return RetryDecision.giveUp("the account is closed");
        }
    }

    @FlowStep(flow = "closed", name = "charge", role = StepRole.ENTRY, maxAttempts = 5, retryDecider = GivesUp.class)
    static final class Charges extends RetryScheduleTest.AlwaysFails {
        Charges(VirtualClock clock) {
            super(clock);
        }
    }

    @Test
    void aDeciderThatGivesUpFailsTheStepAndTheRunAtOnceWithItsReason() {
        Charges step = new Charges(clock);
        try (EmbeddedEngine engine = EmbeddedEngine.newBuilder().clock(clock).step(step).build()) {
            String runId = engine.flows().start("closed", Map.of());

            awaitStatus(engine.flows(), runId, RunStatus.FAILED);
            assertThat(step.attempts).as("no retry of the 5 attempts").hasSize(1);
            assertThat(clock.nextTimer()).isEmpty();
            assertThat(entries(engine.flows(), runId, EventType.STEP_RETRY)).isEmpty();
            assertThat(entries(engine.flows(), runId, EventType.STEP_FAILED)).singleElement().satisfies(failed -> {
                assertThat(failed.attempt()).isEqualTo(1);
                assertThat(failed.data()).contains("\"error\":\"partner away\"", "\"maxAttempts\":5",
                        "\"retryDecider\":\"" + GivesUp.class.getName() + "\"", "\"reason\":\"the account is closed\"");
            });
        }
    }

    /** Fails to decide: throws, or decides nothing. */
    public static final class Broken implements RetryDecider {
        @Override
        public RetryDecision decide(FailedAttempt failed) {
            if (failed.attempt() == 1) {
                throw new IllegalArgumentException("bug in the decider");
            }
            return null;
        }
    }

    @FlowStep(flow = "broken", name = "call", role = StepRole.ENTRY, maxAttempts = 3, backoff = BackoffType.FIXED,
            backoffDelayMs = 5_000, retryDecider = Broken.class)
    static final class CallsWithBrokenDecider extends RetryScheduleTest.AlwaysFails {
        CallsWithBrokenDecider(VirtualClock clock) {
            super(clock);
        }
    }

    @Test
    void aDeciderThatThrowsOrDecidesNothingLeavesTheDeclaredDelayAndTheEntrySaysWhy() {
        CallsWithBrokenDecider step = new CallsWithBrokenDecider(clock);
        try (EmbeddedEngine engine = EmbeddedEngine.newBuilder().clock(clock).step(step).build()) {
            String runId = engine.flows().start("broken", Map.of());

            for (int attempt = 1; attempt <= 2; attempt++) {
                int before = attempt;
                await().atMost(Duration.ofSeconds(10)).until(() -> clock.nextTimer().isPresent());
                assertThat(clock.nextTimer()).as("the declared backoff after attempt " + attempt)
                        .contains(step.attempts.get(before - 1).plusSeconds(5));
                clock.advanceTo(clock.nextTimer().orElseThrow());
                await().atMost(Duration.ofSeconds(10)).until(() -> step.attempts.size() == before + 1);
            }

            awaitStatus(engine.flows(), runId, RunStatus.FAILED);
            assertThat(entries(engine.flows(), runId, EventType.STEP_RETRY)).extracting(HistoryEvent::data)
                    .satisfiesExactly(
                            first -> assertThat(first).contains("\"delayMs\":5000", "\"retryDeciderFailed\":\""
                                    + "java.lang.IllegalArgumentException: bug in the decider\""),
                            second -> assertThat(second).contains("\"delayMs\":5000",
                                    "\"retryDeciderFailed\":\"java.lang.IllegalStateException: it returned no decision"
                                            + " (null)\""));
        }
    }

    /** Keeps the delay the step declares, however long. */
    public static final class KeepsTheDeclaredDelay implements RetryDecider {
        @Override
        public RetryDecision decide(FailedAttempt failed) {
            return RetryDecision.retryAfter(failed.declaredDelay());
        }
    }

    @FlowStep(flow = "patient", name = "call", role = StepRole.ENTRY, maxAttempts = 2,
            retryDelaysMs = 172_800_000, retryDecider = KeepsTheDeclaredDelay.class)
    static final class WaitsTwoDays extends RetryScheduleTest.AlwaysFails {
        WaitsTwoDays(VirtualClock clock) {
            super(clock);
        }
    }

    @Test
    void aDeciderMayKeepADeclaredDelayLongerThanADay() {
        assertThat(firstRetryEntry(new WaitsTwoDays(clock), "patient", T0.plus(Duration.ofDays(2))))
                .contains("\"delayMs\":172800000").doesNotContain("retryDeciderFailed");
    }

    /** Waits two days whatever the step declares. */
    public static final class WaitsTwoDaysAlways implements RetryDecider {
        @Override
        public RetryDecision decide(FailedAttempt failed) {
            return RetryDecision.retryAfter(Duration.ofDays(2));
        }
    }

    @FlowStep(flow = "hasty", name = "call", role = StepRole.ENTRY, maxAttempts = 2, backoff = BackoffType.FIXED,
            backoffDelayMs = 5_000, retryDecider = WaitsTwoDaysAlways.class)
    static final class DeclaresFiveSeconds extends RetryScheduleTest.AlwaysFails {
        DeclaresFiveSeconds(VirtualClock clock) {
            super(clock);
        }
    }

    @Test
    void aDelayLongerThanADayAndThanTheDeclaredOneLeavesTheDeclaredDelayAndTheEntrySaysWhy() {
        assertThat(firstRetryEntry(new DeclaresFiveSeconds(clock), "hasty", T0.plusSeconds(5))).contains(
                "\"delayMs\":5000", "\"retryDeciderFailed\":\"java.lang.IllegalStateException: its delay of PT48H is"
                        + " longer than a day (RetryDecision.LONGEST_DELAY) and than the step's declared delay of PT5S\"");
    }

    /** Starts the flow of a step that always fails and returns its first retry's entry, once that is due at {@code due}. */
    private String firstRetryEntry(RetryScheduleTest.AlwaysFails step, String flow, Instant due) {
        try (EmbeddedEngine engine = EmbeddedEngine.newBuilder().clock(clock).step(step).build()) {
            String runId = engine.flows().start(flow, Map.of());

            await().atMost(Duration.ofSeconds(10)).until(() -> clock.nextTimer().isPresent());
            assertThat(clock.nextTimer()).as("the first retry's due time").contains(due);
            return entries(engine.flows(), runId, EventType.STEP_RETRY).get(0).data();
        }
    }

    /** Would retry for ever, at once. */
    public static final class NeverGivesUp implements RetryDecider {
        final List<Integer> askedAbout = new CopyOnWriteArrayList<>();

        @Override
        public RetryDecision decide(FailedAttempt failed) {
            askedAbout.add(failed.attempt());
            return RetryDecision.retryAfter(Duration.ZERO);
        }
    }

    @FlowStep(flow = "bounded", name = "call", role = StepRole.ENTRY, maxAttempts = 2, retryDecider = NeverGivesUp.class)
    static final class Bounded extends RetryScheduleTest.AlwaysFails {
        Bounded(VirtualClock clock) {
            super(clock);
        }
    }

    @Test
    void theStepsMaxAttemptsStillBoundTheAttemptsOfADeciderThatNeverGivesUp() {
        Bounded step = new Bounded(clock);
        NeverGivesUp decider = new NeverGivesUp();
        try (EmbeddedEngine engine = EmbeddedEngine.newBuilder().clock(clock).step(step).retryDecider(decider).build()) {
            String runId = engine.flows().start("bounded", Map.of());

            awaitStatus(engine.flows(), runId, RunStatus.FAILED);
            assertThat(step.attempts).as("the retry at once, then no more").containsExactly(T0, T0);
            assertThat(decider.askedAbout).as("not asked about the last attempt").containsExactly(1);
            assertThat(entries(engine.flows(), runId, EventType.STEP_FAILED)).singleElement()
                    .satisfies(failed -> assertThat(failed.data()).contains("\"attempt\":2", "\"maxAttempts\":2")
                            .doesNotContain("retryDecider"));
        }
    }

    /** Has no public no-argument constructor, so an embedded engine cannot make one. */
    public static final class NeedsAnArgument implements RetryDecider {
        public NeedsAnArgument(Duration delay) {
        }

        @Override
        public RetryDecision decide(FailedAttempt failed) {
            return RetryDecision.retryAfter(Duration.ZERO);
        }
    }

    @FlowStep(flow = "unmade", name = "call", role = StepRole.ENTRY, retryDecider = NeedsAnArgument.class)
    static final class DeciderNotGiven extends RetryScheduleTest.AlwaysFails {
        DeciderNotGiven(VirtualClock clock) {
            super(clock);
        }
    }

    @Test
    void anEmbeddedEngineRefusesADeciderItWasNotGivenAndCannotMakeNamingStepAndClass() {
        EmbeddedEngine.Builder builder = EmbeddedEngine.newBuilder().clock(clock).step(new DeciderNotGiven(clock));

        assertThatThrownBy(builder::build).isInstanceOf(NventException.class)
                .hasMessageContaining("NVENT-0599 step 'call' of flow 'unmade' (" + DeciderNotGiven.class.getName()
                        + "): its retryDecider " + NeedsAnArgument.class.getName() + " was not given to"
                        + " EmbeddedEngine.Builder.retryDecider(...) and is not a public class with a public"
                        + " no-argument constructor");
        try (EmbeddedEngine given = builder.retryDecider(new NeedsAnArgument(Duration.ZERO)).build()) {
            assertThat(given.flows().flows()).isNotEmpty();
        }
    }

    /** A decider class with subclasses: a proxy's, or one of a test. */
    public static class PartnerRetries implements RetryDecider {
        final List<Integer> askedAbout = new CopyOnWriteArrayList<>();

        public PartnerRetries(String partner) {
        }

        @Override
        public RetryDecision decide(FailedAttempt failed) {
            askedAbout.add(failed.attempt());
            return RetryDecision.giveUp("asked " + getClass().getSimpleName());
        }
    }

    /** As a container's proxy subclasses its bean's class. */
    public static class PartnerRetriesProxy extends PartnerRetries {
        public PartnerRetriesProxy() {
            super("proxied");
        }
    }

    /** Another subclass, beside the proxy. */
    public static class SlowPartnerRetries extends PartnerRetries {
        public SlowPartnerRetries() {
            super("slow");
        }
    }

    @FlowStep(flow = "subclassed", name = "call", role = StepRole.ENTRY, maxAttempts = 2,
            retryDecider = PartnerRetries.class)
    static final class CallsWithPartnerRetries extends RetryScheduleTest.AlwaysFails {
        CallsWithPartnerRetries(VirtualClock clock) {
            super(clock);
        }
    }

    @Test
    void anInstanceOfASubclassOfTheDeclaredDeciderDecidesForIt() {
        PartnerRetriesProxy proxy = new PartnerRetriesProxy();

        assertThat(reasonDecidedBy(proxy)).isEqualTo("asked PartnerRetriesProxy");
        assertThat(proxy.askedAbout).containsExactly(1);
    }

    @Test
    void ofSeveralInstancesTheOneOfTheClassNearestTheDeclaredOneDecides() {
        assertThat(reasonDecidedBy(new PartnerRetriesProxy(), new PartnerRetries("own"), new SlowPartnerRetries()))
                .as("the declared class's own instance").isEqualTo("asked PartnerRetries");
        assertThat(reasonDecidedBy(new PartnerRetriesProxy() { }, new PartnerRetriesProxy()))
                .as("the proxy before a subclass of it").isEqualTo("asked PartnerRetriesProxy");
    }

    @Test
    void twoInstancesNoneNearerTheDeclaredClassAreRefusedAtBuildNamingStepAndClasses() {
        for (List<RetryDecider> ambiguous : List.of(
                List.<RetryDecider>of(new PartnerRetriesProxy(), new SlowPartnerRetries()),
                List.<RetryDecider>of(new PartnerRetries("one"), new PartnerRetries("two")))) {
            EmbeddedEngine.Builder builder = EmbeddedEngine.newBuilder().clock(clock)
                    .step(new CallsWithPartnerRetries(clock));
            ambiguous.forEach(builder::retryDecider);

            assertThatThrownBy(builder::build).isInstanceOf(NventException.class).hasMessageContaining(
                    "NVENT-0420 step 'call' of flow 'subclassed' (" + CallsWithPartnerRetries.class.getName()
                            + "): its retryDecider " + PartnerRetries.class.getName() + " is matched by 2 instances"
                            + " given to EmbeddedEngine.Builder.retryDecider(...), none of a class nearer to it than the"
                            + " others (" + ambiguous.get(0).getClass().getName() + ", "
                            + ambiguous.get(1).getClass().getName() + "); give one of them");
        }
    }

    @Test
    void theSameInstanceGivenTwiceIsGivenOnce() {
        PartnerRetries decider = new PartnerRetries("once");

        assertThat(reasonDecidedBy(decider, decider)).isEqualTo("asked PartnerRetries");
    }

    /** Runs the flow "subclassed" with the deciders given and returns the reason its step failed with. */
    private String reasonDecidedBy(RetryDecider... deciders) {
        EmbeddedEngine.Builder builder = EmbeddedEngine.newBuilder().clock(clock)
                .step(new CallsWithPartnerRetries(clock));
        List.of(deciders).forEach(builder::retryDecider);
        try (EmbeddedEngine engine = builder.build()) {
            return reasonARunFailedWith(engine, "subclassed");
        }
    }

    /** Runs the flow, whose step always fails, and returns the reason its decider gave up with. */
    private static String reasonARunFailedWith(EmbeddedEngine engine, String flow) {
        String runId = engine.flows().start(flow, Map.of());

        awaitStatus(engine.flows(), runId, RunStatus.FAILED);
        String failed = entries(engine.flows(), runId, EventType.STEP_FAILED).get(0).data();
        return failed.replaceAll(".*\"reason\":\"([^\"]*)\".*", "$1");
    }

    /** Made with its public no-argument constructor: one step's decider, and the class another step's extends. */
    public static class StandardRetries implements RetryDecider {
        @Override
        public RetryDecision decide(FailedAttempt failed) {
            return RetryDecision.giveUp("asked " + getClass().getSimpleName());
        }
    }

    /** Another step's decider, which needs its ERP: given as an instance. */
    public static class ErpRetries extends StandardRetries {
        public ErpRetries(String erp) {
        }
    }

    @FlowStep(flow = "standard", name = "call", role = StepRole.ENTRY, maxAttempts = 2,
            retryDecider = StandardRetries.class)
    static final class CallsWithStandardRetries extends RetryScheduleTest.AlwaysFails {
        CallsWithStandardRetries(VirtualClock clock) {
            super(clock);
        }
    }

    @FlowStep(flow = "erp", name = "call", role = StepRole.ENTRY, maxAttempts = 2, retryDecider = ErpRetries.class)
    static final class CallsWithErpRetries extends RetryScheduleTest.AlwaysFails {
        CallsWithErpRetries(VirtualClock clock) {
            super(clock);
        }
    }

    @Test
    void anInstanceGivenForOneStepsDeciderDoesNotDecideForAnotherStepWhoseDeciderItsClassExtends() {
        try (EmbeddedEngine engine = EmbeddedEngine.newBuilder().clock(clock).step(new CallsWithStandardRetries(clock))
                .step(new CallsWithErpRetries(clock)).retryDecider(new ErpRetries("erp-1")).build()) {
            assertThat(reasonARunFailedWith(engine, "erp")).isEqualTo("asked ErpRetries");
            assertThat(reasonARunFailedWith(engine, "standard")).as("the declared class, made as if none were given")
                    .isEqualTo("asked StandardRetries");
        }
    }

    @Test
    void theFlowsDefinitionNamesTheStepsDeciderClass() {
        try (EmbeddedEngine engine = EmbeddedEngine.newBuilder().clock(clock).step(new Charges(clock))
                .step(new CallsWithPartnerRetries(clock)).retryDecider(new PartnerRetriesProxy()).build()) {
            assertThat(engine.flows().flows()).flatExtracting(FlowDefinition::steps)
                    .extracting(StepDefinition::retryDecider)
                    .containsExactlyInAnyOrder(Optional.of(GivesUp.class.getName()),
                            Optional.of(PartnerRetries.class.getName()));
        }
    }

    private static void awaitStatus(FlowService flows, String runId, RunStatus status) {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                flows.run(runId).orElseThrow().status()).isEqualTo(status));
    }

    private static List<HistoryEvent> entries(FlowService flows, String runId, EventType type) {
        return flows.events(runId, EventQuery.all()).stream().filter(event -> event.type() == type).toList();
    }
}
