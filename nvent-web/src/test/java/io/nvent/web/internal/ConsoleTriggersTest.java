package io.nvent.web.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * The console's trigger editor, read as text (no browser runs in the build): what it must do that a look at the
 * screen does not show at once.
 */
class ConsoleTriggersTest {

    @Test
    void aSavedIntervalScheduleIsPreviewedWithItsRulesInItsOwnTimeZoneNotInUtc() throws IOException {
        String triggers = ConsoleScripts.js("views/triggers.js");
        String checkEvery = ConsoleScripts.between(triggers, "function checkEvery()", "\n  }\n");
        String preview = ConsoleScripts.between(triggers, "if (state.type === 'schedule' && state.schedule === 'every') {",
                "} else if (state.type === 'schedule') {");

        // An update leaves an interval's zone as it was (the editor sends none); a new one is in UTC.
        assertThat(triggers).contains("const everyZone = existing ? existing.timezone : 'UTC';");
        assertThat(ConsoleScripts.js("api.js")).as("the preview sends the zone the rules are matched in")
                .contains("everyPreview: (every, timezone, count = 5, exclude = []) =>"
                        + " call('GET', `/triggers/cron-preview${q({ every, timezone, count, exclude })}`)");
        assertThat(checkEvery).contains("api.everyPreview(`PT${seconds}S`, everyZone, 5, rules)");
        assertThat(preview).contains("`Next 5 ticks · ${everyZone}`", "intervalTicks(seconds, 5), everyZone,")
                .doesNotContain("'UTC'");
    }
}
