package io.nvent;

import io.nvent.spi.internal.ExclusionRules;
import java.time.Duration;
import java.time.LocalDate;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A schedule's exclusion rules: dates, days of every year, ranges, cron and calendars; anything else refused. */
class TriggerSpecExcludeTest {

    private static TriggerSpec.Builder payroll() {
        return TriggerSpec.newBuilder("payroll", TriggerType.SCHEDULE).flow("pay").cron("0 6 * * MON-FRI");
    }

    @Test
    void aScheduleExcludesNothingUnlessItSaysSoAndKeepsItsRulesTrimmedThroughACopy() {
        assertThat(payroll().build().exclude()).isEmpty();
        TriggerSpec spec = payroll().exclude(" 2026-12-25", "--12-26 ", "2026-12-20/2027-01-04",
                "cron:* 0-5 * * *", "calendar:uk-bank-holidays").build();

        assertThat(spec.exclude()).containsExactly("2026-12-25", "--12-26", "2026-12-20/2027-01-04", "cron:* 0-5 * * *",
                "calendar:uk-bank-holidays");
        assertThat(spec.toBuilder().build()).isEqualTo(spec);
        assertThat(spec.withEnabled(false).exclude()).isEqualTo(spec.exclude());
    }

    @Test
    void eachFormMatchesTheDatesItSays() {
        List<ExclusionRules.Rule> rules = ExclusionRules.read("payroll",
                List.of("2026-12-25", "--12-26", "2026-12-20/2027-01-04"));

        assertThat(((ExclusionRules.Dates) rules.get(0)).contains(LocalDate.of(2026, 12, 25))).isTrue();
        assertThat(((ExclusionRules.Dates) rules.get(0)).contains(LocalDate.of(2027, 12, 25))).isFalse();
        assertThat(((ExclusionRules.Yearly) rules.get(1)).contains(LocalDate.of(2031, 12, 26))).isTrue();
        assertThat(((ExclusionRules.Dates) rules.get(2)).contains(LocalDate.of(2027, 1, 4))).as("inclusive").isTrue();
        assertThat(((ExclusionRules.Dates) rules.get(2)).contains(LocalDate.of(2027, 1, 5))).isFalse();
    }

    @Test
    void aRuleInNoneOfTheFormsIsRefusedNamingItAndTheForms() {
        for (String bad : List.of("25/12/2026", "2026-02-30", "2027-01-04/2026-12-20", "calendar:", "cron:", "")) {
            assertThatThrownBy(() -> payroll().exclude(bad).build()).as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("NVENT-0236 trigger 'payroll' has exclusion rule \"" + bad + "\"")
                    .hasMessageContaining("a rule is a date (2026-12-25), a day of every year (--12-26)");
        }
    }

    @Test
    void aRuleLongerThan300CharactersIsRefusedSoThatAHundredFitTheStoresColumn() {
        String longest = "cron:0 0 1 1" + " ".repeat(287) + "*";
        assertThat(payroll().exclude(Collections.nCopies(100, longest)).build().exclude())
                .allSatisfy(rule -> assertThat(rule).hasSize(300));
        assertThatThrownBy(() -> payroll().exclude(longest.replace("*", " *")).build())
                .hasMessageStartingWith("NVENT-0236 trigger 'payroll' has exclusion rule \"cron:0 0 1 1")
                .hasMessageContaining("it is longer than 300 characters");
    }

    @Test
    void moreThanAHundredRulesOrRulesOnATriggerWithoutTicksAreRefused() {
        assertThatThrownBy(() -> payroll().exclude(Collections.nCopies(101, "--12-25")).build())
                .hasMessageStartingWith("NVENT-0238 trigger 'payroll' gives 101 exclusion rules; at most 100");
        assertThat(payroll().exclude(Collections.nCopies(100, "--12-25")).build().exclude()).hasSize(100);
        assertThatThrownBy(() -> TriggerSpec.newBuilder("hook", TriggerType.WEBHOOK).flow("pay").exclude("--12-25")
                .build()).hasMessageStartingWith("NVENT-0238 trigger 'hook' is a webhook trigger; exclusions");
        assertThat(TriggerSpec.newBuilder("every", TriggerType.SCHEDULE).flow("pay").every(Duration.ofHours(1))
                .exclude("--12-25").build().exclude()).containsExactly("--12-25");
    }
}
