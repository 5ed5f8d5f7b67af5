package io.nvent.cdi.internal.engine;

import io.nvent.cdi.NventConfig;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The queues this instance takes, and how many workers each, from nvent.queue.*.concurrency and nvent.queues.*. */
class QueueWorkersTest {

    private static final Set<String> QUEUES = Set.of("order", "render", "mail");

    private static QueueWorkers read(SettingsReading read, Map<String, String> values) {
        return QueueWorkers.read(read, new NventConfig(key -> Optional.ofNullable(values.get(key))), QUEUES);
    }

    private static SettingsReading reading(Map<String, String> values) {
        return new SettingsReading(new NventConfig(key -> Optional.ofNullable(values.get(key))));
    }

    private static QueueWorkers valid(Map<String, String> values) {
        SettingsReading read = reading(values);
        QueueWorkers workers = read(read, values);
        assertThatCode(read::failIfInvalid).doesNotThrowAnyException();
        return workers;
    }

    private static void assertInvalid(Map<String, String> values, String message) {
        SettingsReading read = reading(values);
        read(read, values);
        assertThatThrownBy(read::failIfInvalid).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
    }

    @Test
    void withoutSettingsEveryQueueHasTheDefaultWorkersAndNoLineIsLogged() {
        QueueWorkers workers = valid(Map.of());

        assertThat(workers.workers()).containsExactlyInAnyOrderEntriesOf(Map.of("order", 4, "render", 4, "mail", 4));
        assertThat(workers.startLine()).isEmpty();
        assertThat(workers.warnings(true)).isEmpty();
    }

    @Test
    void aQueueWithConcurrencyZeroIsLeftToOtherInstances() {
        QueueWorkers workers = valid(Map.of("nvent.queue.concurrency", "3", "nvent.queue.render.concurrency", "0"));

        assertThat(workers.workers()).containsExactlyInAnyOrderEntriesOf(Map.of("order", 3, "render", 0, "mail", 3));
        assertThat(workers.leftToOthers()).containsExactly("render");
        assertThat(workers.startLine()).hasValue("NVENT-0442 this instance takes queues {mail=3, order=3} (workers"
                + " each) and leaves queues [render] to other instances (no worker here; nvent.queues.include,"
                + " nvent.queues.exclude, nvent.queue.<name>.concurrency=0)");
    }

    @Test
    void anIncludeListTakesOnlyTheQueuesItNamesWithTheirWorkers() {
        QueueWorkers workers = valid(Map.of("nvent.queues.include", " render ,", "nvent.queue.render.concurrency", "1"));

        assertThat(workers.workers()).containsExactlyInAnyOrderEntriesOf(Map.of("order", 0, "render", 1, "mail", 0));
    }

    @Test
    void aQueueTheIncludeListNamesWithConcurrencyZeroIsDrainedOffThisInstanceAndAnEmptyListTakesEveryQueue() {
        assertThat(valid(Map.of("nvent.queues.include", "render,mail", "nvent.queue.render.concurrency", "0"))
                .workers()).containsExactlyInAnyOrderEntriesOf(Map.of("order", 0, "render", 0, "mail", 4));
        assertThat(valid(Map.of("nvent.queues.include", " ")).workers()).as("no setting at all")
                .containsExactlyInAnyOrderEntriesOf(Map.of("order", 4, "render", 4, "mail", 4));
    }

    @Test
    void anExcludeListLeavesTheQueuesItNames() {
        QueueWorkers workers = valid(Map.of("nvent.queues.exclude", "render,mail"));

        assertThat(workers.workers()).containsExactlyInAnyOrderEntriesOf(Map.of("order", 4, "render", 0, "mail", 0));
    }

    @Test
    void bothListsAreRefusedWithTheOtherInvalidValuesAtOnce() {
        Map<String, String> values = Map.of("nvent.queues.include", "render", "nvent.queues.exclude", "render",
                "nvent.queue.order.concurrency", "-1");
        SettingsReading read = reading(values);
        read(read, values);

        assertThatThrownBy(read::failIfInvalid).hasMessageStartingWith("NVENT-0191 2 settings are invalid")
                .hasMessageContaining("NVENT-0439 configuration keys nvent.queues.include ([render]) and"
                        + " nvent.queues.exclude ([render]) are both set; set one of them")
                .hasMessageContaining("nvent.queue.order.concurrency must be at least 0, was -1");
    }

    @Test
    void aGlobalConcurrencyOfZeroIsRefusedPointingToTheSettingsThatDoWhatItWouldMean() {
        assertInvalid(Map.of("nvent.queue.concurrency", "0"), "NVENT-0439 configuration key nvent.queue.concurrency"
                + " must be at least 1, was 0: for an instance that runs no step, set nvent.engine.enabled=false");
    }

    @Test
    void aNegativeGlobalConcurrencyIsRefusedNamingTheSmallestValueAllowedThere() {
        assertInvalid(Map.of("nvent.queue.concurrency", "-1"), "nvent.queue.concurrency must be at least 1, was -1");
    }

    @Test
    void workersGivenToAQueueTheListLeavesAreRefusedAsAContradiction() {
        assertInvalid(Map.of("nvent.queues.exclude", "render", "nvent.queue.render.concurrency", "2"),
                "NVENT-0439 configuration key nvent.queue.render.concurrency gives queue render 2 workers on this"
                        + " instance, but nvent.queues.exclude leaves it to other instances");
    }

    @Test
    void aNameNoDeployedStepUsesIsWarnedOfAsAPossibleTypo() {
        QueueWorkers workers = valid(Map.of("nvent.queues.exclude", "rendr"));

        assertThat(workers.workers()).doesNotContainValue(0);
        assertThat(workers.warnings(false)).singleElement().asString().startsWith("NVENT-0440 queue [rendr] named in"
                + " nvent.queues.include or nvent.queues.exclude is used by no deployed step");
    }

    @Test
    void theMemoryQueueWarnsThatStepsOfAQueueNobodyHereTakesNeverRun() {
        QueueWorkers workers = valid(Map.of("nvent.queue.render.concurrency", "0"));

        assertThat(workers.warnings(false)).isEmpty();
        assertThat(workers.warnings(true)).singleElement().asString().startsWith("NVENT-0441 queue [render] has no"
                + " worker on this instance, and the memory queue (nvent.queue.adapter=memory) is not shared with other"
                + " instances: their steps will never run in this deployment");
    }
}
