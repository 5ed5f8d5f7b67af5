package io.nvent.web.internal.rest;

import io.nvent.ExclusionCalendar;
import io.nvent.FlowStep;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.Trigger;
import io.nvent.TriggerType;
import io.nvent.cdi.EmbeddedEngine;
import jakarta.json.JsonObject;
import java.time.DayOfWeek;
import java.time.ZonedDateTime;
import org.glassfish.jersey.server.ContainerResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static io.nvent.web.internal.rest.RunLabelRequestsTest.object;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code GET /api/nvent/triggers/cron-preview?trigger=…} lists a schedule trigger's next ticks in its zone and marks
 * those its exclusion rules exclude, of every kind (a date, a cron, a named calendar), as its ticks are matched.
 */
class TriggerPreviewRequestsTest {

    @FlowStep(flow = "payroll", name = "pay", role = StepRole.ENTRY)
    @Trigger(name = "payroll", type = TriggerType.SCHEDULE, cron = "0 6 * * *", timezone = "Europe/London",
            exclude = {"2026-12-25", "cron:* * * * SAT", "calendar:no-sundays"})
    @Trigger(name = "by-hand", type = TriggerType.MANUAL)
    public static class Pay implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            return "paid";
        }
    }

    /** Excludes Sundays. */
    static final class NoSundays implements ExclusionCalendar {
        @Override
        public String name() {
            return "no-sundays";
        }

        @Override
        public boolean excludes(ZonedDateTime tick) {
            return tick.getDayOfWeek() == DayOfWeek.SUNDAY;
        }
    }

    private final EmbeddedEngine engine = EmbeddedEngine.newBuilder().step(new Pay())
            .exclusionCalendar(new NoSundays()).build();
    private final InProcessApi api = InProcessApi.withTriggers(engine.triggers(), TriggersResource.class);

    @AfterEach
    void closeEngine() {
        engine.close();
    }

    @Test
    void aTriggersPreviewListsItsTicksAndMarksThoseADateACronAndACalendarRuleExclude() {
        // Thursday 24 December 2026 at 07:00 in London: the ticks of the 25th (a Friday) to the 29th.
        JsonObject preview = object(api.get("triggers/cron-preview?trigger=payroll&count=5&after=2026-12-24T07:00:00Z"));

        assertThat(preview.toString()).isEqualTo("{\"trigger\":\"payroll\",\"cron\":\"0 6 * * *\",\"description\":"
                + "\"" + engine.triggers().describe("0 6 * * *") + "\",\"timezone\":\"Europe/London\",\"next\":["
                + "\"2026-12-25T06:00:00Z\",\"2026-12-26T06:00:00Z\",\"2026-12-27T06:00:00Z\",\"2026-12-28T06:00:00Z\","
                + "\"2026-12-29T06:00:00Z\"],\"excluded\":["
                + "{\"at\":\"2026-12-25T06:00:00Z\",\"rule\":\"2026-12-25\"},"
                + "{\"at\":\"2026-12-26T06:00:00Z\",\"rule\":\"cron:* * * * SAT\"},"
                + "{\"at\":\"2026-12-27T06:00:00Z\",\"rule\":\"calendar:no-sundays\"}]}");
    }

    @Test
    void aPreviewOfANonScheduleOrWithBothATriggerAndACronIsA400AndOfAnUnknownTriggerA404() {
        assertThat(refusal(api.get("triggers/cron-preview?trigger=by-hand")))
                .contains("trigger 'by-hand' is a manual trigger; only a schedule has ticks");
        assertThat(refusal(api.get("triggers/cron-preview?trigger=payroll&cron=%2A%20%2A%20%2A%20%2A%20%2A")))
                .contains("NVENT-0738 the preview gives ?trigger=payroll and ?cron=");
        assertThat(api.get("triggers/cron-preview?trigger=nope").getStatus()).isEqualTo(404);
    }

    private static String refusal(ContainerResponse response) {
        assertThat(response.getStatus()).as("%s", response.getEntity()).isEqualTo(400);
        return response.getEntity().toString();
    }
}
