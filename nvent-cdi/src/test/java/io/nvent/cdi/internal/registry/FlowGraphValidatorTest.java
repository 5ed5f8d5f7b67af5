package io.nvent.cdi.internal.registry;

import io.nvent.AwaitBefore;
import io.nvent.AwaitType;
import io.nvent.BackoffType;
import io.nvent.FlowStep;
import io.nvent.InvalidTriggerException;
import io.nvent.Misfire;
import io.nvent.Overlap;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.Trigger;
import io.nvent.TriggerSpec;
import io.nvent.TriggerType;
import jakarta.json.JsonObject;
import jakarta.json.bind.annotation.JsonbCreator;
import jakarta.json.bind.annotation.JsonbProperty;
import jakarta.json.bind.annotation.JsonbTypeDeserializer;
import jakarta.json.bind.serializer.DeserializationContext;
import jakarta.json.bind.serializer.JsonbDeserializer;
import jakarta.json.stream.JsonParser;
import java.lang.reflect.Type;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FlowGraphValidatorTest {

    private static List<String> problemsOf(Class<?>... classes) {
        return FlowGraphValidator.validate(Arrays.stream(classes)
                .flatMap(c -> StepDeclaration.allOf(c).stream()).toList());
    }

    @FlowStep(flow = "ok", name = "a", role = StepRole.ENTRY, emits = "a.done")
    static class OkEntry implements Step<Map<String, Object>, Void> {
        public Void execute(Map<String, Object> input, StepContext ctx) {
            return null;
        }
    }

    @FlowStep(flow = "ok", name = "b", subscribes = "a.done")
    static class OkStep implements Step<Map<String, Object>, Void> {
        public Void execute(Map<String, Object> input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void aConsistentFlowHasNoProblems() {
        assertThat(problemsOf(OkEntry.class, OkStep.class)).isEmpty();
    }

    @Test
    void aFlowWithoutEntryIsRejectedNamingItsClasses() {
        assertThat(problemsOf(OkStep.class)).anySatisfy(p -> assertThat(p)
                .contains("NVENT-0102", "flow 'ok' has no entry step", OkStep.class.getName()));
    }

    @FlowStep(flow = "ok", name = "a2", role = StepRole.ENTRY)
    static class SecondEntry implements Step<Object, Void> {
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void aFlowWithTwoEntriesIsRejected() {
        assertThat(problemsOf(OkEntry.class, SecondEntry.class, OkStep.class)).anySatisfy(p -> assertThat(p)
                .contains("NVENT-0103", "2 entry steps", SecondEntry.class.getName()));
    }

    @FlowStep(flow = "ok", name = "b", subscribes = "a.done")
    static class SameName implements Step<Object, Void> {
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @FlowStep(flow = "a-flow-whose-name-is-far-too-long-for-any-store-to-keep-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            name = "start", role = StepRole.ENTRY)
    static class LongFlowName implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void aFlowNameLongerThanTheStoresKeepIsRejectedAtDeployment() {
        assertThat(problemsOf(LongFlowName.class)).anySatisfy(p -> assertThat(p)
                .contains("NVENT-0101", "the flow has 260 characters, more than the 255 a store keeps"));
    }

    @Test
    void duplicateStepNamesAreRejected() {
        assertThat(problemsOf(OkEntry.class, OkStep.class, SameName.class)).anySatisfy(p -> assertThat(p)
                .contains("NVENT-0104", "2 steps named 'b'", SameName.class.getName()));
    }

    @FlowStep(flow = "ok", name = "c", subscribes = "nobody.emits.this")
    static class DanglingSubscription implements Step<Object, Void> {
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void aSubscriptionToAnEventNoStepEmitsIsRejected() {
        assertThat(problemsOf(OkEntry.class, DanglingSubscription.class)).singleElement().satisfies(p -> assertThat(p)
                .contains("NVENT-0105", "'nobody.emits.this'", "[a.done]", DanglingSubscription.class.getName()));
    }

    /** Of flow "orders", whose entry {@link ReceiveOrder} emits "order.received" and "order.paid". */
    @FlowStep(flow = "orders", name = "pack", subscribes = "order.recieved")
    static class PackMisspelt implements Step<Map<String, Object>, Void> {
        public Void execute(Map<String, Object> input, StepContext ctx) {
            return null;
        }
    }

    @FlowStep(flow = "orders", name = "invoice", subscribes = "order.invoiced")
    static class InvoiceUndeclared implements Step<Map<String, Object>, Void> {
        public Void execute(Map<String, Object> input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void aSubscriptionToAMisspeltEventAsksWhetherTheDeclaredOneWasMeant() {
        assertThat(problemsOf(ReceiveOrder.class, PackMisspelt.class)).singleElement().satisfies(p -> assertThat(p)
                .contains("NVENT-0105", "'order.recieved'", "[order.paid, order.received]",
                        "; did you mean 'order.received'?"));
    }

    @Test
    void aSubscriptionToAnEventFarFromEveryDeclaredOneSuggestsNone() {
        assertThat(problemsOf(ReceiveOrder.class, InvoiceUndeclared.class)).singleElement().satisfies(p -> assertThat(p)
                .contains("NVENT-0105", "'order.invoiced'").doesNotContain("did you mean"));
    }

    @FlowStep(flow = "ok", name = "d")
    static class NoSubscriptions implements Step<Object, Void> {
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void aNonEntryStepWithoutSubscriptionsIsRejected() {
        assertThat(problemsOf(OkEntry.class, NoSubscriptions.class)).singleElement().satisfies(p -> assertThat(p)
                .contains("NVENT-0101", "must subscribe to at least one event", NoSubscriptions.class.getName()));
    }

    @FlowStep(flow = "ok", name = "e", subscribes = "a.done")
    static class NotAStep {
    }

    @SuppressWarnings("rawtypes")
    @FlowStep(flow = "ok", name = "f", subscribes = "a.done")
    static class RawStep implements Step {
        public Object execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void aClassWhoseSignatureCannotBeCalledIsRejected() {
        assertThat(problemsOf(OkEntry.class, NotAStep.class, RawStep.class))
                .anySatisfy(p -> assertThat(p).contains("does not implement io.nvent.Step", NotAStep.class.getName()))
                .anySatisfy(p -> assertThat(p).contains("without a concrete input type", RawStep.class.getName()));
    }

    @FlowStep(flow = "loop", name = "start", role = StepRole.ENTRY, emits = "start.done")
    static class LoopEntry implements Step<Object, Void> {
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @FlowStep(flow = "loop", name = "x", subscribes = "y.done", emits = "x.done")
    static class CycleX implements Step<Object, Void> {
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @FlowStep(flow = "loop", name = "y", subscribes = "x.done", emits = "y.done")
    static class CycleY implements Step<Object, Void> {
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void stepsWaitingForEachOtherInACycleAreRejected() {
        assertThat(problemsOf(LoopEntry.class, CycleX.class, CycleY.class)).hasSize(2)
                .allSatisfy(p -> assertThat(p).contains("NVENT-0106", "can never run"));
    }

    @FlowStep(flow = "other", name = "lonely", subscribes = "never.emitted")
    static class BrokenElsewhere implements Step<Object, Void> {
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void aCycleIsReportedAlsoWhenAnotherFlowHasMistakesToo() {
        assertThat(problemsOf(LoopEntry.class, CycleX.class, CycleY.class, BrokenElsewhere.class))
                .anySatisfy(p -> assertThat(p).startsWith("NVENT-0102 flow 'other'"))
                .filteredOn(p -> p.contains("NVENT-0106")).hasSize(2);
    }

    @FlowStep(flow = "loop", name = "z", subscribes = {"x.done", "misspelt.done"})
    static class SubscribesToAnEventNobodyEmits implements Step<Object, Void> {
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void aCycleIsReportedWithTheFlowsOtherMistakesAtOnce() {
        assertThat(problemsOf(LoopEntry.class, CycleX.class, CycleY.class, SubscribesToAnEventNobodyEmits.class))
                .anySatisfy(p -> assertThat(p).startsWith("NVENT-0105").contains("'misspelt.done'"))
                .filteredOn(p -> p.contains("NVENT-0106"))
                .as("the two steps of the cycle and the one behind it")
                .hasSize(3);
    }

    @FlowStep(flow = "slow", name = "s", role = StepRole.ENTRY, backoffDelayMs = -50, backoffMaxDelayMs = -7)
    static class NegativeBackoff implements Step<Object, Void> {
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @FlowStep(flow = "slower", name = "s", role = StepRole.ENTRY, backoffDelayMs = 5000, backoffMaxDelayMs = 1000)
    static class BoundBelowStart implements Step<Object, Void> {
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void negativeBackoffsAndAnUpperBoundBelowTheFirstDelayAreRejected() {
        assertThat(problemsOf(NegativeBackoff.class)).singleElement().asString()
                .contains("NVENT-0101", "backoffDelayMs and backoffMaxDelayMs must be >= 0", "were -50 and -7");
        assertThat(problemsOf(BoundBelowStart.class)).singleElement().asString()
                .contains("backoffMaxDelayMs (1000) is shorter than backoffDelayMs (5000)");
    }

    @FlowStep(flow = "listed", name = "s", role = StepRole.ENTRY, maxAttempts = 3,
            retryDelaysMs = {10_000, -1, Long.MAX_VALUE}, backoff = BackoffType.FIXED, retryJitter = 1.5)
    static class BadRetrySchedule implements Step<Object, Void> {
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @FlowStep(flow = "listed", name = "s", role = StepRole.ENTRY, retryDelaysMs = {10_000, 60_000}, retryJitter = 0.2)
    static class GoodRetrySchedule implements Step<Object, Void> {
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void aRetryScheduleWithABadDelayABackoffBesideItMoreDelaysThanRetriesOrABadJitterIsRejected() {
        assertThat(problemsOf(BadRetrySchedule.class)).hasSize(5).allSatisfy(problem -> assertThat(problem)
                        .startsWith("NVENT-0101 step 's' of flow 'listed'"))
                .anySatisfy(problem -> assertThat(problem).endsWith(": retryDelaysMs must not be negative, the delay"
                        + " before attempt 3 was -1 (of [10000, -1, " + Long.MAX_VALUE + "])"))
                .anySatisfy(problem -> assertThat(problem).endsWith(": retryDelaysMs[2] = " + Long.MAX_VALUE + " is"
                        + " longer than StartOptions.LONGEST_DELAY (3155760000000 ms, 100 years)"))
                .anySatisfy(problem -> assertThat(problem).endsWith(" is the whole retry schedule, and the step also"
                        + " gives a backoff (backoff = FIXED, backoffDelayMs or backoffMaxDelayMs); keep one of them"))
                .anySatisfy(problem -> assertThat(problem).endsWith(": retryDelaysMs lists 3 delays, more than the 2"
                        + " retries of maxAttempts = 3; drop the delays never waited, or raise maxAttempts (or leave it"
                        + " out: it is then one more than the delays listed)"))
                .anySatisfy(problem -> assertThat(problem).endsWith(": retryJitter is the fraction by which a retry"
                        + " delay is spread either way, from 0 (none) to 1 (or -1 for the configured default), was 1.5"));
        assertThat(problemsOf(GoodRetrySchedule.class)).isEmpty();
    }

    @FlowStep(flow = "forever", name = "s", role = StepRole.ENTRY, backoffDelayMs = Long.MAX_VALUE,
            backoffMaxDelayMs = Long.MAX_VALUE)
    @AwaitBefore(type = AwaitType.TIME, delayMs = Long.MAX_VALUE, timeoutMs = 3_155_760_000_001L)
    static class WaitsForever implements Step<Object, Void> {
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void delaysLongerThanAHundredYearsAreRejectedNamingAttributeAndValue() {
        assertThat(problemsOf(WaitsForever.class)).hasSize(4).allSatisfy(problem -> assertThat(problem)
                        .startsWith("NVENT-0101 step 's' of flow 'forever'")
                        .endsWith("is longer than StartOptions.LONGEST_DELAY (3155760000000 ms, 100 years)"))
                .anySatisfy(problem -> assertThat(problem).contains(": backoffDelayMs = " + Long.MAX_VALUE + " is"))
                .anySatisfy(problem -> assertThat(problem).contains(": backoffMaxDelayMs = " + Long.MAX_VALUE + " is"))
                .anySatisfy(problem -> assertThat(problem).contains("@AwaitBefore: delayMs = " + Long.MAX_VALUE))
                .anySatisfy(problem -> assertThat(problem).contains("@AwaitBefore: timeoutMs = 3155760000001 is"));
    }

    @FlowStep(flow = "both", name = "s", role = StepRole.ENTRY)
    @Trigger(name = "both", type = TriggerType.SCHEDULE, cron = "* * * * *", every = "PT1M")
    static class CronAndEvery implements Step<Object, Void> {
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @FlowStep(flow = "neither", name = "s", role = StepRole.ENTRY)
    @Trigger(name = "neither", type = TriggerType.SCHEDULE)
    static class NoCronNorEvery implements Step<Object, Void> {
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @FlowStep(flow = "sloppy", name = "s", role = StepRole.ENTRY)
    @Trigger(name = "sloppy", type = TriggerType.SCHEDULE, every = "90s")
    @Trigger(name = "hasty", type = TriggerType.SCHEDULE, every = "PT0.1S")
    @Trigger(name = "by-hand", type = TriggerType.MANUAL, every = "PT1M")
    static class BadIntervals implements Step<Object, Void> {
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void aScheduleTriggerNeedsACronOrAnIntervalButNotBoth() {
        assertThat(problemsOf(CronAndEvery.class)).singleElement().asString().contains("NVENT-0101",
                CronAndEvery.class.getName(), "@Trigger 'both'", "has both, remove one");
        assertThat(problemsOf(NoCronNorEvery.class)).singleElement().asString().contains(
                NoCronNorEvery.class.getName(), "a schedule trigger needs cron = \"...\"", "or every = \"...\"");
    }

    @Test
    void anIntervalThatIsNoWholeSecondsDurationOrIsOnAnotherTypeFailsDeploymentNamingTheClass() {
        assertThat(problemsOf(BadIntervals.class)).hasSize(3).allSatisfy(p -> assertThat(p)
                .contains("NVENT-0101", BadIntervals.class.getName())).satisfiesExactly(
                        p -> assertThat(p).contains("@Trigger 'sloppy'", "interval '90s' is not an ISO-8601 duration"),
                        p -> assertThat(p).contains("@Trigger 'hasty'", "a whole number of seconds, at least PT1S"),
                        p -> assertThat(p).contains("@Trigger 'by-hand'",
                                "an interval (every 'PT1M') belongs to schedule triggers only; this one is a manual trigger"));
    }

    /** Definitions TriggerService and REST refuse, which deployed without a word (QA). */
    @FlowStep(flow = "refused-at-run-time", name = "s", role = StepRole.ENTRY)
    @Trigger(name = "feb30", type = TriggerType.SCHEDULE, cron = "0 0 30 2 *")
    @Trigger(name = "hook-with-cron", type = TriggerType.WEBHOOK, cron = "0 0 * * *")
    @Trigger(name = "hook-with-event", type = TriggerType.WEBHOOK, event = "order.placed")
    @Trigger(name = "cron-preview", type = TriggerType.MANUAL)
    @AwaitBefore(type = AwaitType.SCHEDULE, cron = "0 0 31 4 *")
    static class RefusedAtRunTime implements Step<Object, Void> {
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    /** A team meant a 5 s window and got the 24 h default: the other types' attributes were ignored (QA). */
    @FlowStep(flow = "mixed-await", name = "wait", role = StepRole.ENTRY)
    @AwaitBefore(type = AwaitType.WEBHOOK, delayMs = 5000, cron = "0 9 * * *", event = "x")
    @io.nvent.AwaitAfter(type = AwaitType.TIME, delayMs = 1000, timezone = "Europe/Paris", filterKey = "orderId")
    static class AwaitWithOtherTypesAttributes implements Step<Object, Void> {
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    /** Each type's own attributes, and the others' written at their defaults. */
    @FlowStep(flow = "own-attributes", name = "wait", role = StepRole.ENTRY)
    @AwaitBefore(type = AwaitType.SCHEDULE, cron = "0 9 * * *", timezone = "Europe/Paris", delayMs = 0, event = "")
    @io.nvent.AwaitAfter(type = AwaitType.EVENT, event = "paid", filterKey = "orderId", timezone = "UTC")
    static class AwaitsWithTheirOwnAttributes implements Step<Object, Void> {
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void anAwaitsAttributesOfAnotherTypeFailTheDeploymentNamingStepAttributeAndType() {
        String where = "NVENT-0101 step 'wait' of flow 'mixed-await' (" + AwaitWithOtherTypesAttributes.class.getName()
                + "): ";
        assertThat(problemsOf(AwaitWithOtherTypesAttributes.class)).containsExactly(
                where + "@AwaitBefore: delayMs = 5000 belongs to TIME awaits only, and this one is a WEBHOOK await, "
                        + "which ignores it; remove it, or make the await's type TIME",
                where + "@AwaitBefore: cron = \"0 9 * * *\" belongs to SCHEDULE awaits only, and this one is a WEBHOOK "
                        + "await, which ignores it; remove it, or make the await's type SCHEDULE",
                where + "@AwaitBefore: event = \"x\" belongs to EVENT awaits only, and this one is a WEBHOOK await, "
                        + "which ignores it; remove it, or make the await's type EVENT",
                where + "@AwaitAfter: timezone = \"Europe/Paris\" belongs to SCHEDULE awaits only, and this one is a "
                        + "TIME await, which ignores it; remove it, or make the await's type SCHEDULE",
                where + "@AwaitAfter: filterKey = \"orderId\" belongs to EVENT awaits only, and this one is a TIME "
                        + "await, which ignores it; remove it, or make the await's type EVENT");
        assertThat(problemsOf(AwaitsWithTheirOwnAttributes.class)).isEmpty();
    }

    @Test
    void triggersTheServiceWouldRefuseFailTheDeploymentWithTheSameReasonNamingTheClass() {
        String where = "NVENT-0101 step 's' of flow 'refused-at-run-time' (" + RefusedAtRunTime.class.getName() + "): ";
        assertThat(problemsOf(RefusedAtRunTime.class)).containsExactly(
                where + "@AwaitBefore: cron '0 0 31 4 *' (at 00:00 on day 31 in April) never fires: no date matches it",
                where + "@Trigger 'feb30': cron '0 0 30 2 *' (at 00:00 on day 30 in February) never fires: no date "
                        + "matches it",
                where + "@Trigger 'hook-with-cron': a cron expression ('0 0 * * *') belongs to schedule triggers only; "
                        + "this one is a webhook trigger",
                where + "@Trigger 'hook-with-event': an event name ('order.placed') belongs to event triggers only; "
                        + "this one is a webhook trigger",
                where + "@Trigger 'cron-preview': the name 'cron-preview' is reserved (GET "
                        + "/api/nvent/triggers/cron-preview previews cron expressions); choose another");
    }

    @Test
    void aTriggerServiceRefusesADefinitionForTheReasonADeploymentDoes() {
        TriggerSpec hook = TriggerSpec.newBuilder("hook-with-cron", TriggerType.WEBHOOK).cron("0 0 * * *")
                .flow("refused-at-run-time").build();
        assertThat(TriggerRules.of(hook).problems()).isEqualTo(TriggerRules.of(
                RefusedAtRunTime.class.getAnnotationsByType(Trigger.class)[1]).problems()).singleElement().asString()
                .contains("belongs to schedule triggers only");
        assertThatThrownBy(TriggerRules.of(hook)::requireValid).isInstanceOf(InvalidTriggerException.class)
                .hasMessage("NVENT-0210 trigger 'hook-with-cron': a cron expression ('0 0 * * *') belongs to schedule "
                        + "triggers only; this one is a webhook trigger");
    }

    @FlowStep(flow = "filters", name = "s", role = StepRole.ENTRY)
    @Trigger(name = "by-hand", type = TriggerType.MANUAL, filter = "{\"region\":\"eu\"}")
    @Trigger(name = "a-list", type = TriggerType.EVENT, event = "order.placed", filter = "[\"eu\"]")
    @Trigger(name = "broken", type = TriggerType.EVENT, event = "order.placed", filter = "{region: eu}")
    @Trigger(name = "either", type = TriggerType.EVENT, event = "order.placed",
            filter = "{\"region\":\"eu\",\"region\":\"us\"}")
    @Trigger(name = "fine", type = TriggerType.EVENT, event = "order.placed", filter = "{\"region\":\"eu\"}")
    static class BadFilters implements Step<Object, Void> {
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @FlowStep(flow = "other-filter", name = "s", role = StepRole.ENTRY)
    @Trigger(name = "fine", type = TriggerType.EVENT, event = "order.placed", filter = "{\"region\":\"us\"}")
    static class OtherFilter implements Step<Object, Void> {
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void aFilterThatIsNoJsonObjectOrOnAnotherTypeThanEventFailsDeploymentNamingTheClass() {
        assertThat(problemsOf(BadFilters.class)).hasSize(4).allSatisfy(p -> assertThat(p)
                .contains("NVENT-0101", BadFilters.class.getName())).satisfiesExactly(
                        p -> assertThat(p).contains("@Trigger 'by-hand'",
                                "a filter ({\"region\":\"eu\"}) belongs to event triggers only; this one is a manual trigger"),
                        p -> assertThat(p).contains("@Trigger 'a-list'", "NVENT-0220", "must be a JSON object",
                                "was [\"eu\"]"),
                        p -> assertThat(p).contains("@Trigger 'broken'", "NVENT-0220", "not valid JSON"),
                        p -> assertThat(p).contains("@Trigger 'either'", "NVENT-0230", "the member \"region\" twice"));
    }

    @Test
    void declarationsOfOneTriggerWithDifferentFiltersDisagree() {
        assertThat(problemsOf(BadFilters.class, OtherFilter.class)).anySatisfy(p -> assertThat(p)
                .contains("NVENT-0107 trigger 'fine' is declared differently"));
    }

    @FlowStep(flow = "misfires", name = "s", role = StepRole.ENTRY)
    @Trigger(name = "words", type = TriggerType.SCHEDULE, every = "PT1M", misfireGrace = "an hour")
    @Trigger(name = "too-short", type = TriggerType.SCHEDULE, every = "PT1M", misfireGrace = "PT0.500S")
    @Trigger(name = "too-long", type = TriggerType.SCHEDULE, every = "PT1M", misfireGrace = "PT9600H")
    @Trigger(name = "by-hand", type = TriggerType.MANUAL, misfire = Misfire.SKIP)
    @Trigger(name = "fine", type = TriggerType.SCHEDULE, every = "PT1M", misfire = Misfire.SKIP, misfireGrace = "PT1H")
    static class BadMisfires implements Step<Object, Void> {
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @FlowStep(flow = "other-misfire", name = "s", role = StepRole.ENTRY)
    @Trigger(name = "fine", type = TriggerType.SCHEDULE, every = "PT1M", misfire = Misfire.FIRE_ONCE, misfireGrace = "PT1H")
    static class OtherMisfire implements Step<Object, Void> {
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void anInvalidMisfireGraceOrAMisfirePolicyOnAnotherTypeThanScheduleFailsDeploymentNamingTheClassAndTrigger() {
        assertThat(problemsOf(BadMisfires.class)).hasSize(4).allSatisfy(p -> assertThat(p)
                .contains("NVENT-0101", BadMisfires.class.getName())).satisfiesExactly(
                        p -> assertThat(p).contains("@Trigger 'words'", "misfireGrace = \"an hour\" is no ISO-8601 "
                                + "duration"),
                        p -> assertThat(p).contains("@Trigger 'too-short'", "NVENT-0231", "is \"PT0.500S\";"),
                        p -> assertThat(p).contains("@Trigger 'too-long'", "NVENT-0231", "is \"PT9600H\";",
                                "at most P366D"),
                        p -> assertThat(p).contains("@Trigger 'by-hand'", "misfire and misfireGrace belong to "
                                + "SCHEDULE triggers only", "this one is MANUAL"));
    }

    @Test
    void declarationsOfOneTriggerWithDifferentMisfirePoliciesDisagree() {
        assertThat(problemsOf(BadMisfires.class, OtherMisfire.class)).anySatisfy(p -> assertThat(p)
                .contains("NVENT-0107 trigger 'fine' is declared differently"));
    }

    abstract static class Base<T> implements Step<T, Void> {
    }

    @FlowStep(flow = "generic", name = "g", role = StepRole.ENTRY)
    static class Concrete extends Base<List<String>> {
        public Void execute(List<String> input, StepContext ctx) {
            return null;
        }
    }

    @FlowStep(flow = "keyed", name = "sync", role = StepRole.ENTRY)
    @Trigger(name = "both", type = TriggerType.WEBHOOK, concurrencyKey = "all", concurrencyKeyFrom = "/customerId")
    @Trigger(name = "no-slash", type = TriggerType.WEBHOOK, concurrencyKeyFrom = "customerId")
    @Trigger(name = "bad-escape", type = TriggerType.EVENT, event = "customer.changed", concurrencyKeyFrom = "/a~2b")
    @Trigger(name = "prefix-alone", type = TriggerType.MANUAL, concurrencyKeyPrefix = "invoices:")
    @Trigger(name = "prefix-on-fixed", type = TriggerType.MANUAL, concurrencyKey = "all", concurrencyKeyPrefix = "x:")
    @Trigger(name = "on-a-schedule", type = TriggerType.SCHEDULE, every = "PT1M", concurrencyKeyFrom = "/scheduledAt")
    @Trigger(name = "fine", type = TriggerType.WEBHOOK, concurrencyKeyFrom = "/customer/id", concurrencyKeyPrefix = "c:")
    @Trigger(name = "fixed-on-a-schedule", type = TriggerType.SCHEDULE, every = "PT1M", concurrencyKey = "nightly")
    static class BadConcurrencyKeys implements Step<Object, Void> {
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @FlowStep(flow = "keyed-too", name = "sync", role = StepRole.ENTRY)
    @Trigger(name = "fine", type = TriggerType.WEBHOOK, concurrencyKeyFrom = "/customer/id", concurrencyKeyPrefix = "d:")
    static class OtherConcurrencyKeyPrefix implements Step<Object, Void> {
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    /** 201 characters, one more than a concurrency key may have. */
    private static final String TOO_LONG_KEY = "01234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789x";

    @FlowStep(flow = "keyed", name = "sync", role = StepRole.ENTRY)
    @Trigger(name = "too-long", type = TriggerType.MANUAL, concurrencyKey = TOO_LONG_KEY)
    static class TooLongConcurrencyKey implements Step<Object, Void> {
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void invalidConcurrencyKeysOfTriggersFailDeploymentNamingTheClassTheTriggerAndTheRule() {
        assertThat(problemsOf(BadConcurrencyKeys.class)).hasSize(6).allSatisfy(p -> assertThat(p)
                .contains("NVENT-0101", BadConcurrencyKeys.class.getName())).satisfiesExactly(
                        p -> assertThat(p).contains("@Trigger 'both'", "NVENT-0266", "both a concurrency key and a pointer"),
                        p -> assertThat(p).contains("@Trigger 'no-slash'", "NVENT-0268", "\"customerId\", no JSON Pointer"),
                        p -> assertThat(p).contains("@Trigger 'bad-escape'", "NVENT-0268", "\"/a~2b\", no JSON Pointer"),
                        p -> assertThat(p).contains("@Trigger 'prefix-alone'", "NVENT-0266", "prefix without a pointer"),
                        p -> assertThat(p).contains("@Trigger 'prefix-on-fixed'", "NVENT-0266", "ambiguous"),
                        p -> assertThat(p).contains("@Trigger 'on-a-schedule'", "NVENT-0269", "schedule trigger"));
        assertThat(problemsOf(TooLongConcurrencyKey.class)).singleElement().satisfies(p -> assertThat(p)
                .contains("@Trigger 'too-long'", "NVENT-0268", "at most 200 characters"));
    }

    @FlowStep(flow = "limited", name = "sync", role = StepRole.ENTRY)
    @Trigger(name = "none-at-a-time", type = TriggerType.WEBHOOK, concurrencyKeyFrom = "/customerId", concurrencyLimit = 0)
    @Trigger(name = "too-many", type = TriggerType.MANUAL, concurrencyKey = "all", concurrencyLimit = 1001)
    @Trigger(name = "no-key", type = TriggerType.WEBHOOK, concurrencyLimit = 2)
    @Trigger(name = "fine-limit", type = TriggerType.WEBHOOK, concurrencyKeyFrom = "/customerId", concurrencyLimit = 2)
    static class BadConcurrencyLimits implements Step<Object, Void> {
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @FlowStep(flow = "limited-too", name = "sync", role = StepRole.ENTRY)
    @Trigger(name = "fine-limit", type = TriggerType.WEBHOOK, concurrencyKeyFrom = "/customerId", concurrencyLimit = 3)
    static class OtherConcurrencyLimit implements Step<Object, Void> {
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void invalidConcurrencyLimitsOfTriggersFailDeploymentNamingTheClassTheTriggerAndTheRule() {
        assertThat(problemsOf(BadConcurrencyLimits.class)).hasSize(3).allSatisfy(p -> assertThat(p)
                .contains("NVENT-0101", BadConcurrencyLimits.class.getName())).satisfiesExactly(
                        p -> assertThat(p).contains("@Trigger 'none-at-a-time'", "NVENT-0278", "is 1 to 1000", "was 0"),
                        p -> assertThat(p).contains("@Trigger 'too-many'", "NVENT-0278", "was 1001"),
                        p -> assertThat(p).contains("@Trigger 'no-key'", "NVENT-0275", "no concurrency key"));
    }

    @Test
    void declarationsOfOneTriggerWithDifferentConcurrencyLimitsDisagree() {
        assertThat(problemsOf(OtherConcurrencyLimit.class)).isEmpty();
        assertThat(problemsOf(BadConcurrencyLimits.class, OtherConcurrencyLimit.class)).anySatisfy(p -> assertThat(p)
                .contains("NVENT-0107 trigger 'fine-limit' is declared differently"));
    }

    @FlowStep(flow = "exported", name = "export", role = StepRole.ENTRY)
    @Trigger(name = "skipping-three", type = TriggerType.SCHEDULE, every = "PT5M", concurrencyKey = "exports",
            concurrencyLimit = 3, overlap = Overlap.SKIP)
    @Trigger(name = "skipping", type = TriggerType.SCHEDULE, every = "PT5M", overlap = Overlap.SKIP)
    static class BadOverlap implements Step<Object, Void> {
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @FlowStep(flow = "exported-too", name = "export", role = StepRole.ENTRY)
    @Trigger(name = "skipping", type = TriggerType.SCHEDULE, every = "PT5M", overlap = Overlap.CANCEL_OTHER)
    static class OtherOverlap implements Step<Object, Void> {
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void anOverlapPolicyWithAConcurrencyLimitAboveOneFailsDeploymentNamingTheTrigger() {
        assertThat(problemsOf(BadOverlap.class)).singleElement().satisfies(p -> assertThat(p).contains("NVENT-0101",
                BadOverlap.class.getName(), "@Trigger 'skipping-three'", "NVENT-0217", "overlap policy skip and"
                        + " concurrency limit 3"));
    }

    @Test
    void declarationsOfOneTriggerWithDifferentOverlapPoliciesDisagree() {
        assertThat(problemsOf(BadOverlap.class, OtherOverlap.class)).anySatisfy(p -> assertThat(p)
                .contains("NVENT-0107 trigger 'skipping' is declared differently"));
    }

    @FlowStep(flow = "paid", name = "pay", role = StepRole.ENTRY)
    @Trigger(name = "payroll", type = TriggerType.SCHEDULE, cron = "0 6 * * MON-FRI", exclude = {"--12-25", "25/12/2026"})
    @Trigger(name = "pay-hook", type = TriggerType.WEBHOOK, exclude = "--12-25")
    static class BadExclusions implements Step<Object, Void> {
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void anExclusionRuleInNoneOfTheFormsOrOnATriggerWithoutTicksFailsDeploymentNamingClassAndTrigger() {
        assertThat(problemsOf(BadExclusions.class)).satisfiesExactlyInAnyOrder(
                p -> assertThat(p).contains("NVENT-0101", BadExclusions.class.getName(), "@Trigger 'payroll'",
                        "NVENT-0236 trigger 'payroll' has exclusion rule \"25/12/2026\"", "a day of every year (--12-26)"),
                p -> assertThat(p).contains("NVENT-0101", "@Trigger 'pay-hook'", "NVENT-0238 trigger 'pay-hook' is a"
                        + " webhook trigger; exclusions"));
    }

    @FlowStep(flow = "synced", name = "sync", role = StepRole.ENTRY)
    @Trigger(name = "crm", type = TriggerType.EVENT, event = "customer.updated", debounce = "PT30S",
            debounceKeyFrom = "/customerId", debounceMax = "PT5M")
    @Trigger(name = "too-short", type = TriggerType.WEBHOOK, debounce = "PT0.5S")
    @Trigger(name = "no-duration", type = TriggerType.WEBHOOK, debounce = "30s")
    @Trigger(name = "bound-too-short", type = TriggerType.WEBHOOK, debounce = "PT1M", debounceMax = "PT30S")
    @Trigger(name = "no-pointer", type = TriggerType.WEBHOOK, debounce = "PT1M", debounceKeyFrom = "customerId")
    @Trigger(name = "ticking", type = TriggerType.SCHEDULE, every = "PT5M", debounce = "PT1M")
    @Trigger(name = "no-window", type = TriggerType.MANUAL, debounceMax = "PT5M")
    static class BadDebounces implements Step<Object, Void> {
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void aBadDebounceFailsDeploymentNamingTheClassTheTriggerAndTheRule() {
        assertThat(problemsOf(BadDebounces.class)).hasSize(6).allSatisfy(p -> assertThat(p).contains("NVENT-0101",
                BadDebounces.class.getName())).satisfiesExactlyInAnyOrder(
                p -> assertThat(p).contains("@Trigger 'too-short'", "NVENT-0239 the debounce of trigger 'too-short' is"
                        + " PT0.5S; it must be a whole number of seconds, at least PT1S and at most P7D"),
                p -> assertThat(p).contains("@Trigger 'no-duration'", "debounce = \"30s\" is no ISO-8601"),
                p -> assertThat(p).contains("@Trigger 'bound-too-short'", "is PT30S, shorter than its debounce PT1M"),
                p -> assertThat(p).contains("@Trigger 'no-pointer'", "NVENT-0249 the debounce key pointer"
                        + " (debounceKeyFrom) of trigger 'no-pointer' is \"customerId\", no JSON Pointer"),
                p -> assertThat(p).contains("@Trigger 'ticking'", "NVENT-0239 trigger 'ticking' is a schedule trigger"),
                p -> assertThat(p).contains("@Trigger 'no-window'", "debounceKeyFrom and debounceMax go"
                        + " with a debounce"));
    }

    @FlowStep(flow = "digested", name = "send", role = StepRole.ENTRY)
    @Trigger(name = "notify", type = TriggerType.EVENT, event = "notification.created", batchMax = 100,
            batchWindow = "PT10S", batchKeyFrom = "/userId")
    @Trigger(name = "one", type = TriggerType.WEBHOOK, batchMax = 1, batchWindow = "PT10S")
    @Trigger(name = "no-window", type = TriggerType.WEBHOOK, batchMax = 10)
    @Trigger(name = "no-duration", type = TriggerType.WEBHOOK, batchMax = 10, batchWindow = "10s")
    @Trigger(name = "no-pointer", type = TriggerType.WEBHOOK, batchMax = 10, batchWindow = "PT10S", batchKeyFrom = "userId")
    @Trigger(name = "ticking", type = TriggerType.SCHEDULE, every = "PT5M", batchMax = 10, batchWindow = "PT10S")
    @Trigger(name = "both", type = TriggerType.MANUAL, debounce = "PT30S", batchMax = 10, batchWindow = "PT10S")
    static class BadBatches implements Step<Object, Void> {
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void badBatchingFailsDeploymentNamingTheClassTheTriggerAndTheRule() {
        assertThat(problemsOf(BadBatches.class)).hasSize(6).allSatisfy(p -> assertThat(p).contains("NVENT-0101",
                BadBatches.class.getName())).satisfiesExactlyInAnyOrder(
                p -> assertThat(p).contains("@Trigger 'one'", "NVENT-0252 the batch size (batchMax) of trigger 'one'"
                        + " is 1; it must be from 2 to 1000 fires"),
                p -> assertThat(p).contains("@Trigger 'no-window'", "batchMax = 10 goes with a batchWindow"),
                p -> assertThat(p).contains("@Trigger 'no-duration'", "batchWindow = \"10s\" is no ISO-8601"),
                p -> assertThat(p).contains("@Trigger 'no-pointer'", "NVENT-0253 the batch key pointer"),
                p -> assertThat(p).contains("@Trigger 'ticking'", "NVENT-0254 trigger 'ticking' is a schedule trigger"),
                p -> assertThat(p).contains("@Trigger 'both'", "NVENT-0254 trigger 'both' has both a debounce and"
                        + " batching"));
    }

    @FlowStep(flow = "labelled", name = "bill", role = StepRole.ENTRY)
    @Trigger(name = "spaced", type = TriggerType.MANUAL, labels = {"nightly", " vip"})
    @Trigger(name = "eleven", type = TriggerType.MANUAL, labels = {"l1", "l2", "l3", "l4", "l5", "l6", "l7", "l8", "l9",
            "l10", "l11"})
    @Trigger(name = "fine-labels", type = TriggerType.MANUAL, labels = {"nightly", "billing"})
    static class BadTriggerLabels implements Step<Object, Void> {
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @FlowStep(flow = "labelled-too", name = "bill", role = StepRole.ENTRY)
    @Trigger(name = "fine-labels", type = TriggerType.MANUAL, labels = {"billing", "nightly", "billing"})
    static class SameTriggerLabelsOtherwiseWritten implements Step<Object, Void> {
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @FlowStep(flow = "labelled-too", name = "bill", role = StepRole.ENTRY)
    @Trigger(name = "fine-labels", type = TriggerType.MANUAL, labels = "nightly")
    static class OtherTriggerLabels implements Step<Object, Void> {
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void invalidLabelsOfTriggersFailDeploymentNamingTheClassTheTriggerAndTheRule() {
        assertThat(problemsOf(BadTriggerLabels.class)).hasSize(2).allSatisfy(p -> assertThat(p)
                .contains("NVENT-0101", BadTriggerLabels.class.getName())).satisfiesExactly(
                        p -> assertThat(p).contains("@Trigger 'spaced'", "labels: NVENT-0286", "' vip'"),
                        p -> assertThat(p).contains("@Trigger 'eleven'", "labels: NVENT-0287", "at most 10 labels"));
    }

    @Test
    void declarationsOfOneTriggerWithDifferentLabelsDisagreeButTheSameSetWrittenOtherwiseAgrees() {
        assertThat(problemsOf(BadTriggerLabels.class, SameTriggerLabelsOtherwiseWritten.class))
                .noneSatisfy(p -> assertThat(p).contains("'fine-labels'"));
        assertThat(problemsOf(BadTriggerLabels.class, OtherTriggerLabels.class)).anySatisfy(p -> assertThat(p)
                .contains("NVENT-0107 trigger 'fine-labels' is declared differently"));
    }

    @Test
    void declarationsOfOneTriggerWithDifferentConcurrencyKeyPrefixesDisagree() {
        assertThat(problemsOf(BadConcurrencyKeys.class, OtherConcurrencyKeyPrefix.class)).anySatisfy(p -> assertThat(p)
                .contains("NVENT-0107 trigger 'fine' is declared differently"));
    }

    @Test
    void inputTypesAreResolvedThroughGenericSuperclasses() {
        assertThat(problemsOf(Concrete.class)).isEmpty();
        assertThat(StepTypes.inputType(Concrete.class)).hasValueSatisfying(t ->
                assertThat(t.getTypeName()).isEqualTo("java.util.List<java.lang.String>"));
    }

    // ------------------------------------------------------------ one class in several flows

    @FlowStep(flow = "ok", name = "b2", subscribes = "a.done")
    @FlowStep(flow = "solo", name = "start", role = StepRole.ENTRY)
    static class InTwoFlows implements Step<Map<String, Object>, Void> {
        public Void execute(Map<String, Object> input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void aClassMayBeAStepOfSeveralFlowsWithARoleInEach() {
        assertThat(problemsOf(OkEntry.class, InTwoFlows.class)).isEmpty();
    }

    @FlowStep(flow = "ok", name = "b3", subscribes = "a.done")
    @FlowStep(flow = "stray", name = "late", subscribes = "a.done")
    static class StrayInSecondFlow implements Step<Map<String, Object>, Void> {
        public Void execute(Map<String, Object> input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void eachFlowOfARepeatedStepIsCheckedOnItsOwn() {
        assertThat(problemsOf(OkEntry.class, StrayInSecondFlow.class)).hasSize(2)
                .allSatisfy(p -> assertThat(p).contains("flow 'stray'", StrayInSecondFlow.class.getName())
                        .doesNotContain("flow 'ok'"))
                .anySatisfy(p -> assertThat(p).contains("NVENT-0102", "has no entry step"))
                .anySatisfy(p -> assertThat(p).contains("NVENT-0105", "step 'late'",
                        "'a.done', which no step of flow 'stray' emits"));
    }

    @FlowStep(flow = "twice", name = "x", role = StepRole.ENTRY)
    @FlowStep(flow = "twice", name = "y", role = StepRole.ENTRY)
    static class SameFlowTwice implements Step<Object, Void> {
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void twoAnnotationsNamingTheSameFlowAreOneMistakeNamingTheClassAndTheFlow() {
        assertThat(problemsOf(SameFlowTwice.class)).singleElement().asString().contains("NVENT-0180",
                SameFlowTwice.class.getName() + " is annotated @FlowStep 2 times for flow 'twice' (steps 'x', 'y')",
                "keep one @FlowStep per flow");
    }

    @FlowStep(flow = "ok", name = "b4", subscribes = "a.done")
    @FlowStep(flow = "loop", name = "b4", subscribes = "start.done")
    @Trigger(name = "nowhere", type = TriggerType.MANUAL)
    static class TriggeredNowhere implements Step<Object, Void> {
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void aTriggerOnAClassThatIsTheEntryStepOfNoneOfItsFlowsIsRejected() {
        assertThat(problemsOf(OkEntry.class, LoopEntry.class, TriggeredNowhere.class)).singleElement().asString()
                .contains("NVENT-0101", TriggeredNowhere.class.getName(), "@Trigger 'nowhere'",
                        "belong on the entry step", "the class is the entry step of none of its flows [ok, loop]");
    }

    @FlowStep(flow = "ok", name = "e2", subscribes = "a.done")
    @FlowStep(flow = "solo", name = "start", role = StepRole.ENTRY)
    @Trigger(name = "bad zone", type = TriggerType.MANUAL, timezone = "Mars/Olympus")
    static class NotAStepInTwoFlows {
    }

    @Test
    void whatTheClassDeclaresForAllItsFlowsIsReportedOnceNamingEachStep() {
        assertThat(problemsOf(OkEntry.class, NotAStepInTwoFlows.class)).hasSize(3)
                .allSatisfy(p -> assertThat(p).contains("NVENT-0101 step 'e2' of flow 'ok', step 'start' of flow "
                        + "'solo' (" + NotAStepInTwoFlows.class.getName() + ")"))
                .anySatisfy(p -> assertThat(p).contains("does not implement io.nvent.Step"))
                .anySatisfy(p -> assertThat(p).contains("@Trigger 'bad zone': the name"))
                .anySatisfy(p -> assertThat(p).contains("unknown time zone 'Mars/Olympus'"));
    }

    // ------------------------------------------------------------ a subscriber's input class

    public record Order(String id, int quantity) {
    }

    @FlowStep(flow = "orders", name = "receive", role = StepRole.ENTRY, emits = {"order.received", "order.paid"})
    static class ReceiveOrder implements Step<Map<String, Object>, Void> {
        public Void execute(Map<String, Object> input, StepContext ctx) {
            return null;
        }
    }

    /** Reads the event's payload class as its input: JSON-B would give it an Order with every field null. */
    @FlowStep(flow = "orders", name = "pack", subscribes = "order.received")
    static class PackTakingThePayloadClass implements Step<Order, Void> {
        public Void execute(Order input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void aSubscriberWhoseInputClassHasNoPropertyPerEventIsRefusedNamingStepClassEventsAndTheFix() {
        assertThat(problemsOf(ReceiveOrder.class, PackTakingThePayloadClass.class)).singleElement()
                .satisfies(p -> assertThat(p).startsWith("NVENT-0187 step 'pack' of flow 'orders' ("
                                + PackTakingThePayloadClass.class.getName() + ") reads its input as " + Order.class.getName()
                                + ", which has no property for event 'order.received' of its subscriptions "
                                + "[order.received] (its properties are [id, quantity])")
                        .contains("{\"order.received\": <payload>}",
                                "record Input(@JsonbProperty(\"order.received\") Payload payload)",
                                "Map<String, Object> or JsonObject"));
    }

    public record PackInput(@JsonbProperty("order.received") Order order) {
    }

    @FlowStep(flow = "orders", name = "pack", subscribes = "order.received")
    static class PackTakingOnePropertyPerEvent implements Step<PackInput, Void> {
        public Void execute(PackInput input, StepContext ctx) {
            return null;
        }
    }

    public static class JoinInput {
        @JsonbProperty("order.received")
        public Order received;
        private Map<String, Object> paid;

        @JsonbProperty("order.paid")
        public void setPaid(Map<String, Object> paid) {
            this.paid = paid;
        }
    }

    @FlowStep(flow = "orders", name = "ship", subscribes = {"order.received", "order.paid"})
    static class ShipTakingAFieldAndASetter implements Step<JoinInput, Void> {
        public Void execute(JoinInput input, StepContext ctx) {
            return null;
        }
    }

    public static final class CreatedInput {
        final Order order;

        @JsonbCreator
        public CreatedInput(@JsonbProperty("order.received") Order order) {
            this.order = order;
        }
    }

    @FlowStep(flow = "orders", name = "bill", subscribes = "order.received")
    static class BillTakingACreator implements Step<CreatedInput, Void> {
        public Void execute(CreatedInput input, StepContext ctx) {
            return null;
        }
    }

    @JsonbTypeDeserializer(ReadsItself.Reader.class)
    public static class ReadsItself {
        public static class Reader implements JsonbDeserializer<ReadsItself> {
            @Override
            public ReadsItself deserialize(JsonParser parser, DeserializationContext context, Type type) {
                return new ReadsItself();
            }
        }
    }

    @FlowStep(flow = "orders", name = "audit", subscribes = "order.paid")
    static class AuditTakingAClassThatReadsItself implements Step<ReadsItself, Void> {
        public Void execute(ReadsItself input, StepContext ctx) {
            return null;
        }
    }

    @FlowStep(flow = "orders", name = "count", subscribes = "order.paid")
    static class CountTakingJsonObject implements Step<JsonObject, Void> {
        public Void execute(JsonObject input, StepContext ctx) {
            return null;
        }
    }

    @FlowStep(flow = "orders", name = "note", subscribes = "order.paid")
    static class NoteTakingAString implements Step<String, Void> {
        public Void execute(String input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void aSubscriberInputWithAPropertyPerEventOrOneJsonBReadsAsItIsDeploys() {
        assertThat(problemsOf(ReceiveOrder.class, PackTakingOnePropertyPerEvent.class, ShipTakingAFieldAndASetter.class,
                BillTakingACreator.class, AuditTakingAClassThatReadsItself.class, CountTakingJsonObject.class,
                NoteTakingAString.class)).isEmpty();
    }

    // ------------------------------------------------------------ compensation

    @FlowStep(flow = "saga", name = "charge", role = StepRole.ENTRY, emits = "charged", compensation = "refund")
    static class SagaCharge implements Step<Object, Void> {
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @FlowStep(flow = "saga", name = "refund", role = StepRole.COMPENSATION)
    static class SagaRefund implements Step<Object, Void> {
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @FlowStep(flow = "saga", name = "refund", role = StepRole.COMPENSATION, subscribes = "charged", emits = "refunded")
    static class SagaRefundSubscribing implements Step<Object, Void> {
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @FlowStep(flow = "saga", name = "refund", subscribes = "charged")
    static class SagaRefundAsPlainStep implements Step<Object, Void> {
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void aStepWhoseCompensationIsACompensationStepOfItsFlowHasNoProblems() {
        assertThat(problemsOf(SagaCharge.class, SagaRefund.class)).isEmpty();
    }

    @Test
    void aCompensationNamingNoStepOfTheFlowIsRejectedNamingFlowStepAndTheCompensationSteps() {
        assertThat(problemsOf(SagaCharge.class)).singleElement().asString().startsWith("NVENT-0101 ")
                .contains("'charge'", "compensation = \"refund\" names no step of flow 'saga'",
                        "its compensation steps are []", "role = StepRole.COMPENSATION");
    }

    @Test
    void aCompensationNamingAStepThatIsNotACompensationStepIsRejected() {
        assertThat(problemsOf(SagaCharge.class, SagaRefundAsPlainStep.class)).singleElement().asString()
                .startsWith("NVENT-0101 ").contains("names step 'refund'", SagaRefundAsPlainStep.class.getName(),
                        "which is not a compensation step");
    }

    @Test
    void aCompensationStepThatSubscribesOrEmitsIsRejectedSayingWhatToRemove() {
        assertThat(problemsOf(SagaCharge.class, SagaRefundSubscribing.class)).singleElement().asString()
                .startsWith("NVENT-0101 ").contains("'refund'", "a compensation step", "subscribes [charged]",
                        "emits [refunded]");
    }
}
