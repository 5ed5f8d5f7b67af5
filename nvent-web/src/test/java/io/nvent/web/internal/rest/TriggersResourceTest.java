package io.nvent.web.internal.rest;

import io.nvent.TriggerEvent;
import io.nvent.TriggerInfo;
import io.nvent.TriggerService;
import io.nvent.TriggerSpec;
import io.nvent.TriggerType;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** PUT changes what a trigger's body gives, and refuses what it cannot change instead of ignoring it. */
class TriggersResourceTest {

    private final InMemoryTriggers stored = new InMemoryTriggers();
    private final TriggersResource resource = new TriggersResource();

    @BeforeEach
    void aManualAndADeclaredScheduleTrigger() {
        resource.triggers = stored;
        stored.put(TriggerSpec.newBuilder("qa-man", TriggerType.MANUAL).flows(List.of("order")).build(), false);
        stored.put(TriggerSpec.newBuilder("nightly", TriggerType.SCHEDULE).flows(List.of("order")).cron("0 2 * * *")
                .build(), true);
    }

    @Test
    void aManualTriggerCannotBecomeAScheduleAndStaysAsItWas() {
        assertThatThrownBy(() -> resource.update("qa-man", "{\"type\":\"schedule\",\"cron\":\"* * * * *\"}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("NVENT-0751 the type of trigger 'qa-man' cannot change (manual → schedule); delete it "
                        + "and create a new one");

        assertThat(stored.spec("qa-man").cron()).isEmpty();
    }

    @Test
    void aDeclaredTriggerWhoseTypeWouldChangeIsToBeChangedInTheCode() {
        assertThatThrownBy(() -> resource.update("nightly", "{\"type\":\"manual\"}"))
                .hasMessageContaining("(schedule → manual)").hasMessageContaining("change it there");
    }

    @Test
    void theTypeItHasAlreadyInAnyCaseAndTheNameOfThePathAreNoChange() {
        resource.update("qa-man", "{\"name\":\"qa-man\",\"type\":\"MANUAL\",\"description\":\"by hand\"}");

        assertThat(stored.spec("qa-man").description()).isEqualTo("by hand");
    }

    @Test
    void aBodyNamingAnotherTriggerIsRefusedAsARename() {
        assertThatThrownBy(() -> resource.update("qa-man", "{\"name\":\"qa-auto\",\"description\":\"x\"}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("NVENT-0750 the body names trigger 'qa-auto', the path 'qa-man'");

        assertThat(stored.spec("qa-man").description()).isEmpty();
    }

    @Test
    void fieldsATriggerCannotHaveAreRefusedNamingThem() {
        assertThatThrownBy(() -> resource.update("qa-man", "{\"crn\":\"* * * * *\",\"stats\":{},\"enabled\":false}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("NVENT-0752 the trigger has fields it cannot have: \"crn\", \"stats\"; it takes only "
                        + "name, type, flows, cron, timezone, event, description, enabled");

        assertThat(stored.spec("qa-man").enabled()).isTrue();
    }

    /** Triggers held in a map; what a PUT does not need is not supported. */
    private static final class InMemoryTriggers implements TriggerService {

        private final Map<String, TriggerInfo> byName = new ConcurrentHashMap<>();

        void put(TriggerSpec spec, boolean declared) {
            byName.put(spec.name(), new TriggerInfo(spec, declared, 0, 0, Optional.empty(), Optional.empty(),
                    Optional.empty()));
        }

        TriggerSpec spec(String name) {
            return byName.get(name).spec();
        }

        @Override
        public Optional<TriggerInfo> trigger(String name) {
            return Optional.ofNullable(byName.get(name));
        }

        @Override
        public TriggerInfo update(TriggerSpec spec) {
            put(spec, byName.get(spec.name()).declared());
            return byName.get(spec.name());
        }

        @Override
        public List<Instant> nextTicks(String cron, ZoneId zone, Instant after, int count) {
            return List.of(after.plusSeconds(60));
        }

        @Override
        public List<TriggerInfo> triggers() {
            throw new UnsupportedOperationException();
        }

        @Override
        public TriggerInfo create(TriggerSpec spec) {
            throw new UnsupportedOperationException();
        }

        @Override
        public TriggerInfo setEnabled(String name, boolean enabled) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void delete(String name) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<String> fire(String name, String jsonPayload) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<TriggerEvent> history(String name, int limit) {
            throw new UnsupportedOperationException();
        }

        @Override
        public String describe(String cron) {
            throw new UnsupportedOperationException();
        }
    }
}
