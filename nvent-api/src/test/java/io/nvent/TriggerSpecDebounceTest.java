package io.nvent;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A trigger's debounce: none unless it says one, kept by copies, checked where it is given. */
class TriggerSpecDebounceTest {

    private static TriggerSpec.Builder event(String name) {
        return TriggerSpec.newBuilder(name, TriggerType.EVENT).event("customer.updated").flow("crm-sync");
    }

    @Test
    void aTriggerStartsARunPerFireUnlessItSaysADebounce() {
        assertThat(event("crm").build().debounce()).isEmpty();
        assertThat(event("crm").debounce(Duration.ofSeconds(30)).debounceKeyFrom("/customerId")
                .debounceMax(Duration.ofMinutes(5)).build().debounce()).contains(new Debounce(Duration.ofSeconds(30),
                Optional.of("/customerId"), Optional.of(Duration.ofMinutes(5))));
    }

    @Test
    void theDebounceSurvivesACopyAndEnablingOrDisabling() {
        TriggerSpec spec = event("crm").debounce(Duration.ofSeconds(30)).debounceKeyFrom("/customerId").build();

        assertThat(spec.toBuilder().build()).isEqualTo(spec);
        assertThat(spec.withEnabled(false).debounce()).isEqualTo(spec.debounce());
        assertThat(spec.toBuilder().debounce((Debounce) null).build().debounce()).isEmpty();
    }

    @Test
    void aDebounceOutOfRangeABoundShorterThanItOrAPointerThatIsNoneIsRefusedNamingTheTrigger() {
        assertThatThrownBy(() -> event("crm").debounce(Duration.ofMillis(500)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessage("NVENT-0239 the debounce of trigger 'crm' is"
                        + " PT0.5S; it must be a whole number of seconds, at least PT1S and at most P7D");
        assertThatThrownBy(() -> event("crm").debounce(Duration.ofDays(8)).build())
                .hasMessageStartingWith("NVENT-0239 the debounce of trigger 'crm' is P8D;");
        assertThatThrownBy(() -> event("crm").debounce(Duration.ofMinutes(1)).debounceMax(Duration.ofSeconds(30)).build())
                .hasMessage("NVENT-0239 the debounce bound (debounceMax) of trigger 'crm' is PT30S, shorter than its"
                        + " debounce PT1M: give a bound of at least the debounce, or none");
        assertThatThrownBy(() -> event("crm").debounce(Duration.ofMinutes(1)).debounceKeyFrom("customerId").build())
                .hasMessageStartingWith("NVENT-0249 the debounce key pointer (debounceKeyFrom) of trigger 'crm' is"
                        + " \"customerId\", no JSON Pointer (RFC 6901)");
        assertThatThrownBy(() -> event("crm").debounceKeyFrom("/customerId").build())
                .hasMessageStartingWith("NVENT-0239 trigger 'crm' gives a debounce key pointer (debounceKeyFrom) but no"
                        + " debounce");
    }

    @Test
    void aScheduleHasNoBurstToDebounce() {
        assertThatThrownBy(() -> TriggerSpec.newBuilder("nightly", TriggerType.SCHEDULE).flow("export")
                .every(Duration.ofMinutes(5)).debounce(Duration.ofSeconds(30)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("NVENT-0239 trigger 'nightly' is a schedule trigger; a debounce belongs to"
                        + " event, webhook and manual triggers");
    }
}
