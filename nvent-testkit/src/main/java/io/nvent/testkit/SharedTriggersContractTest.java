package io.nvent.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.nvent.Backfill;
import io.nvent.BackfillResult;
import io.nvent.FlowStep;
import io.nvent.InvalidTriggerException;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.Trigger;
import io.nvent.TriggerEvent;
import io.nvent.TriggerInfo;
import io.nvent.TriggerService;
import io.nvent.TriggerSpec;
import io.nvent.TriggerType;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What instances sharing a scheduling store show when they create the same trigger at once, as the
 * instances of an application that creates its triggers at every start
 * ({@link TriggerService#createOrUpdate}) do when they start together: the trigger is created once
 * (one {@code trigger.registered} entry), and each call returns it as stored. Each race is run
 * {@link #tries()} times, as a race lost once in a while is a race all the same.
 *
 * <p>Instances starting at once with different code, one retiring a {@code @Trigger} its code no
 * longer declares and one giving it its changed definition, keep the change whichever stores first
 * (since 0.2): the stored trigger always has the changed definition, and is declared or retired.
 *
 * <p>Subclass it once per store: {@link #instances()} gives the trigger services of two engines on
 * one store (two stores on one database, as two instances have), whose deployment has the flow
 * {@link #FLOW}; {@link #startInstance} starts one more on it with other code.
 *
 * @since 0.2
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
public abstract class SharedTriggersContractTest {

    /** The flow the triggers start: the engines' deployment must have it. */
    protected static final String FLOW = "cleanup";

    private static final AtomicInteger NAMES = new AtomicInteger();

    /**
     * The trigger services of two engines on one store.
     *
     * @return two trigger services, each of its own engine
     */
    protected abstract List<TriggerService> instances();

    /**
     * Starts one more engine on the store (as an instance of its own, on the database the others use),
     * whose deployment has {@link #FLOW} with {@code entryStep} as its only step.
     *
     * @param instanceId the instance's id
     * @param entryStep the flow's entry step, whose {@code @Trigger}s the engine stores when it starts
     * @return what stops the engine (and closes whatever of its own it opened)
     * @since 0.2
     */
    protected abstract AutoCloseable startInstance(String instanceId, Step<?, ?> entryStep);

    /** The trigger that the code of {@link PurgeAtTwo} and {@link PurgeAtThree} declares. */
    private static final String DECLARED = "declared-purge";

    /** Code that declares {@link #DECLARED} to tick at 2 o'clock. */
    @FlowStep(flow = FLOW, name = "purge", role = StepRole.ENTRY)
    @Trigger(name = DECLARED, type = TriggerType.SCHEDULE, cron = "0 2 * * *")
    public static class PurgeAtTwo implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            return "purged";
        }
    }

    /** Later code, which gives {@link #DECLARED} another time. */
    @FlowStep(flow = FLOW, name = "purge", role = StepRole.ENTRY)
    @Trigger(name = DECLARED, type = TriggerType.SCHEDULE, cron = "0 3 * * *")
    public static class PurgeAtThree extends PurgeAtTwo {
    }

    /** Other code, which declares {@link #DECLARED} no longer. */
    @FlowStep(flow = FLOW, name = "purge", role = StepRole.ENTRY)
    public static class PurgeUndeclared extends PurgeAtTwo {
    }

    /**
     * How often each race is run; fewer where a try is slow.
     *
     * @return the tries, at least 1
     */
    protected int tries() {
        return 100;
    }

    @Test
    void instancesCreatingOrUpdatingOneTriggerAtOnceCreateItOnceAndBothReturnItAsStored() {
        for (int i = 0; i < tries(); i++) {
            TriggerSpec nightly = nightly(newName(), "0 2 * * *");

            List<TriggerInfo> returned = race(instance -> instance.createOrUpdate(nightly));

            TriggerInfo stored = instances().get(0).trigger(nightly.name()).orElseThrow();
            assertThat(returned).extracting(TriggerInfo::spec).containsExactly(stored.spec(), stored.spec());
            assertThat(stored.spec()).isEqualTo(nightly);
            assertThat(entries(nightly.name())).as("try %d", i).containsExactly("trigger.registered");
        }
    }

    @Test
    void instancesCreatingOrUpdatingOneTriggerWithDifferentDefinitionsAtOnceCreateItOnceAndTheOtherUpdatesIt() {
        for (int i = 0; i < tries(); i++) {
            String name = newName();
            List<TriggerSpec> definitions = List.of(nightly(name, "0 2 * * *"), nightly(name, "0 3 * * *"));
            AtomicInteger next = new AtomicInteger();

            List<TriggerInfo> returned = race(instance -> instance.createOrUpdate(
                    definitions.get(next.getAndIncrement())));

            // Each call stored its own definition: one created it, the other gave it its own after.
            assertThat(returned).extracting(TriggerInfo::spec).containsExactlyInAnyOrderElementsOf(definitions);
            assertThat(definitions).contains(instances().get(1).trigger(name).orElseThrow().spec());
            // The creator's entry may come second: the other read the trigger created and stored its change first.
            assertThat(entries(name)).as("try %d", i)
                    .containsExactlyInAnyOrder("trigger.registered", "trigger.updated");
        }
    }

    @Test
    void ofInstancesCreatingOneTriggerAtOnceOneCreatesItAndTheOtherIsToldItExistsAlready() {
        for (int i = 0; i < tries(); i++) {
            TriggerSpec nightly = nightly(newName(), "0 2 * * *");
            List<String> refusals = Collections.synchronizedList(new ArrayList<>());

            List<TriggerInfo> returned = race(instance -> {
                try {
                    return instance.create(nightly);
                } catch (InvalidTriggerException e) {
                    refusals.add(e.getMessage());
                    return null;
                }
            });

            assertThat(returned).filteredOn(created -> created != null).extracting(TriggerInfo::spec)
                    .as("try %d", i).containsExactly(nightly);
            assertThat(refusals).singleElement().asString()
                    .endsWith("a trigger named '" + nightly.name() + "' exists already");
            assertThat(entries(nightly.name())).containsExactly("trigger.registered");
        }
    }

    @Test
    void instancesStartingAtOnceOneRetiringADeclaredTriggerAndOneChangingItKeepTheChange() throws Exception {
        TriggerService operator = instances().get(0);
        // A try starts three engines: a quarter of the tries, at least one.
        for (int i = 0; i < Math.max(1, tries() / 4); i++) {
            int tried = i;
            try (AutoCloseable declaring = startInstance("declaring-" + i, new PurgeAtTwo())) {
                operator.setEnabled(DECLARED, true);   // the try before may have retired it
            }
            AutoCloseable[] started = new AutoCloseable[2];

            try {
                Concurrently.run(2, instance -> started[instance] = instance == 0
                        ? startInstance("retiring-" + tried, new PurgeUndeclared())
                        : startInstance("changing-" + tried, new PurgeAtThree()));
            } finally {
                for (AutoCloseable instance : started) {
                    if (instance != null) {
                        instance.close();
                    }
                }
            }

            TriggerInfo stored = operator.trigger(DECLARED).orElseThrow();
            assertThat(stored.spec().cron()).as("try %d: the change is kept", i).hasValue("0 3 * * *");
            assertThat(stored.declared() || !stored.spec().enabled()).as("try %d: declared, or retired disabled", i)
                    .isTrue();
        }
    }

    /**
     * Two instances backfilling one range of a schedule at once ({@link TriggerService#backfill}) fire each of its
     * ticks once between them (the trigger disabled, so that its schedule fires none meanwhile).
     *
     * @since 0.2
     */
    @Test
    void instancesBackfillingOneRangeAtOnceFireEachTickOnceBetweenThem() {
        Instant to = Instant.now().truncatedTo(ChronoUnit.MINUTES);
        Instant from = to.minus(Duration.ofMinutes(BACKFILLED_TICKS));
        for (int i = 0; i < Math.max(1, tries() / 10); i++) {
            TriggerSpec everyMinute = TriggerSpec.newBuilder(newName(), TriggerType.SCHEDULE).flow(FLOW)
                    .cron("* * * * *").enabled(false).build();
            instances().get(0).create(everyMinute);
            List<BackfillResult> results = Collections.synchronizedList(new ArrayList<>());

            race(instance -> {
                results.add(instance.backfill(Backfill.of(everyMinute.name(), from, to)));
                return null;
            });

            assertThat(results).as("try %d", i).allSatisfy(result -> assertThat(result.ticks()).isEqualTo(BACKFILLED_TICKS));
            assertThat(results.stream().mapToInt(BackfillResult::fired).sum()).as("try %d", i).isEqualTo(BACKFILLED_TICKS);
            assertThat(results.stream().mapToInt(BackfillResult::alreadyFired).sum()).isEqualTo(BACKFILLED_TICKS);
            assertThat(instances().get(1).history(everyMinute.name(), 100)).filteredOn(entry -> entry.type()
                    .equals("trigger.fired")).extracting(entry -> entry.data().replaceFirst(".*\"backfill\":", ""))
                    .as("try %d: each tick once", i).doesNotHaveDuplicates().hasSize(BACKFILLED_TICKS);
        }
    }

    /** The ticks of an every-minute schedule {@link #instancesBackfillingOneRangeAtOnceFireEachTickOnceBetweenThem} fires. */
    private static final int BACKFILLED_TICKS = 10;

    private static TriggerSpec nightly(String name, String cron) {
        return TriggerSpec.newBuilder(name, TriggerType.SCHEDULE).flow(FLOW).cron(cron).build();
    }

    private static String newName() {
        return "nightly-" + NAMES.incrementAndGet();
    }

    /** What each instance's call returned, by instance, both called at the same moment. */
    private List<TriggerInfo> race(Function<TriggerService, TriggerInfo> call) {
        List<TriggerService> instances = instances();
        TriggerInfo[] returned = new TriggerInfo[instances.size()];
        Concurrently.run(instances.size(), instance -> returned[instance] = call.apply(instances.get(instance)));
        return Arrays.asList(returned);
    }

    private List<String> entries(String trigger) {
        return instances().get(0).history(trigger, 100).stream().map(TriggerEvent::type).toList();
    }
}
