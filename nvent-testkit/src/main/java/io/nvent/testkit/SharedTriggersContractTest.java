package io.nvent.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.nvent.InvalidTriggerException;
import io.nvent.TriggerEvent;
import io.nvent.TriggerInfo;
import io.nvent.TriggerService;
import io.nvent.TriggerSpec;
import io.nvent.TriggerType;
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
 * <p>Subclass it once per store: {@link #instances()} gives the trigger services of two engines on
 * one store (two stores on one database, as two instances have), whose deployment has the flow
 * {@link #FLOW}.
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
