package io.nvent;

import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A schedule's own misfire policy and grace: inherited unless given, checked when the spec is built. */
class TriggerSpecMisfireTest {

    private static TriggerSpec.Builder nightly() {
        return TriggerSpec.newBuilder("nightly", TriggerType.SCHEDULE).flow("report").cron("0 2 * * *");
    }

    @Test
    void aSpecInheritsTheDeploymentsPolicyAndGraceUnlessItSaysItsOwn() {
        assertThat(nightly().build().misfire()).isEqualTo(Misfire.INHERIT);
        assertThat(nightly().build().misfireGrace()).isEmpty();

        TriggerSpec own = nightly().misfire(Misfire.SKIP).misfireGrace(Duration.ofHours(1)).build();

        assertThat(own.misfire()).isEqualTo(Misfire.SKIP);
        assertThat(own.misfireGrace()).hasValue(Duration.ofHours(1));
        assertThat(own.toBuilder().build()).isEqualTo(own);
        assertThat(own.withEnabled(false).misfire()).isEqualTo(Misfire.SKIP);
        assertThat(own.withEnabled(false).misfireGrace()).hasValue(Duration.ofHours(1));
    }

    @Test
    void theConstructorOfVersion01BuildsASpecThatInherits() {
        TriggerSpec old = new TriggerSpec("nightly", TriggerType.SCHEDULE, List.of("report"), Optional.of("0 2 * * *"),
                Optional.empty(), ZoneId.of("UTC"), Optional.empty(), Optional.empty(), "", true);

        assertThat(old).isEqualTo(nightly().build());
    }

    @Test
    void aGraceThatIsNotWholeSecondsFromOneSecondToAYearIsRefused() {
        assertThatThrownBy(() -> nightly().misfireGrace(Duration.ZERO).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("NVENT-0231 the misfire grace of schedule trigger 'nightly' is PT0S; it must be a whole "
                        + "number of seconds, at least PT1S and at most P366D (leave it out to inherit "
                        + "nvent.triggers.misfire-grace)");
        assertThatThrownBy(() -> nightly().misfireGrace(Duration.ofMillis(1500)).build())
                .hasMessageContaining("is PT1.5S");
        assertThatThrownBy(() -> TriggerSpec.checkMisfireGrace("nightly", Duration.ofMillis(1500), "PT1.500S"))
                .as("named as its sender wrote it").hasMessageStartingWith("NVENT-0231 the misfire grace of schedule "
                        + "trigger 'nightly' is \"PT1.500S\"; it must be a whole number of seconds");
        assertThat(TriggerSpec.durationProblem(Duration.ofHours(1))).isEmpty();
        assertThat(TriggerSpec.durationProblem(Duration.ofSeconds(-5))).hasValue("it must be a whole number of "
                + "seconds, at least PT1S and at most P366D");
        assertThatThrownBy(() -> nightly().misfireGrace(Duration.ofDays(367)).build())
                .hasMessageContaining("is P367D;");
        assertThatThrownBy(() -> nightly().misfireGrace(Duration.ofHours(8785)).build())
                .as("not whole days").hasMessageContaining("is PT8785H;");
        assertThat(nightly().misfireGrace(TriggerSpec.MAX_MISFIRE_GRACE).build().misfireGrace())
                .hasValue(Duration.ofDays(366));
    }

    @Test
    void aPolicyOrGraceOnATriggerWithoutTicksIsRefused() {
        assertThatThrownBy(() -> TriggerSpec.newBuilder("by-hand", TriggerType.MANUAL).flow("report")
                .misfire(Misfire.FIRE_ONCE).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("NVENT-0232 trigger 'by-hand' is a manual trigger; a misfire policy or grace belongs to "
                        + "schedule triggers only");
        assertThatThrownBy(() -> TriggerSpec.newBuilder("hook", TriggerType.WEBHOOK).flow("report")
                .misfireGrace(Duration.ofHours(1)).build())
                .hasMessageStartingWith("NVENT-0232 trigger 'hook' is a webhook trigger");
    }

    @Test
    void policiesHaveTheWireNamesOfTheDeploymentsSetting() {
        assertThat(Misfire.FIRE_ONCE.wireName()).isEqualTo("fire-once");
        assertThat(Misfire.ofWireName(" Fire_Once ")).hasValue(Misfire.FIRE_ONCE);
        assertThat(Misfire.ofWireName("skip")).hasValue(Misfire.SKIP);
        assertThat(Misfire.ofWireName("inherit")).hasValue(Misfire.INHERIT);
        assertThat(Misfire.FIRE_ALL.wireName()).isEqualTo("fire-all");
        assertThat(Misfire.ofWireName("FIRE_ALL")).hasValue(Misfire.FIRE_ALL);
        assertThat(Misfire.ofWireName("fire-each")).isEmpty();
    }
}
