package io.nvent;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A trigger's overlap policy: allow-all unless it says another, kept by copies, refused with a concurrency limit. */
class TriggerSpecOverlapTest {

    private static TriggerSpec.Builder schedule(String name) {
        return TriggerSpec.newBuilder(name, TriggerType.SCHEDULE).flow("export").every(Duration.ofMinutes(5));
    }

    @Test
    void aTriggerStartsItsRunsSideBySideUnlessItSaysOtherwiseAsBefore02() {
        assertThat(schedule("sync").build().overlap()).isEqualTo(Overlap.ALLOW_ALL);
        assertThat(new TriggerSpec("sync", TriggerType.MANUAL, List.of("export"), Optional.empty(), Optional.empty(),
                java.time.ZoneId.of("UTC"), Optional.empty(), Optional.empty(), "", true).overlap())
                .isEqualTo(Overlap.ALLOW_ALL);
        assertThat(schedule("sync").overlap(Overlap.SKIP).build().overlap()).isEqualTo(Overlap.SKIP);
    }

    @Test
    void thePolicySurvivesACopyAndEnablingOrDisabling() {
        TriggerSpec spec = schedule("sync").overlap(Overlap.CANCEL_OTHER).build();

        assertThat(spec.toBuilder().build()).isEqualTo(spec);
        assertThat(spec.withEnabled(false).overlap()).isEqualTo(Overlap.CANCEL_OTHER);
        assertThat(spec.toBuilder().overlap(Overlap.SKIP).build()).isNotEqualTo(spec);
    }

    @Test
    void aPolicyOtherThanAllowAllWithAConcurrencyLimitAboveOneIsRefusedNamingTheTrigger() {
        assertThatThrownBy(() -> schedule("sync").concurrencyKey("exports").concurrencyLimit(2)
                .overlap(Overlap.BUFFER_ONE).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("NVENT-0217 trigger 'sync' has overlap policy buffer-one and concurrency"
                        + " limit 2").hasMessageContaining("overlap allow-all");
        assertThat(schedule("sync").concurrencyKey("exports").concurrencyLimit(2).build().overlap())
                .isEqualTo(Overlap.ALLOW_ALL);
        assertThatThrownBy(() -> schedule("sync").overlap(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void policiesHaveWireNamesAndAreReadByEitherName() {
        assertThat(Overlap.CANCEL_OTHER.wireName()).isEqualTo("cancel-other");
        assertThat(Overlap.ofWireName("buffer-one")).contains(Overlap.BUFFER_ONE);
        assertThat(Overlap.ofWireName("SKIP")).contains(Overlap.SKIP);
        assertThat(Overlap.ofWireName("sometimes")).isEmpty();
        assertThat(Overlap.wireNames()).isEqualTo("skip, buffer-one, buffer-all, cancel-other, allow-all");
        assertThat(Overlap.keyOf("nightly")).isEqualTo("nvent-trigger/nightly");
    }
}
