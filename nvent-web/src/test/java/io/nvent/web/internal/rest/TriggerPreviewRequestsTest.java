package io.nvent.web.internal.rest;

import io.nvent.ExclusionCalendar;
import io.nvent.FlowStep;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.Trigger;
import io.nvent.TriggerService;
import io.nvent.TriggerType;
import io.nvent.cdi.EmbeddedEngine;
import jakarta.json.JsonObject;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
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
    void aCronPreviewAfterTheLastDayJavaCanHoldListsTheTicksThereAreAsAnIntervalsDoesNotA500() {
        // The last second a date can hold: a cron's next tick would fall in the year 1,000,000,000, which none can.
        String after = "&after=%2B999999999-12-31T23:59:59Z";
        for (String preview : List.of("cron=0%206%20%2A%20%2A%20%2A" + after, "trigger=payroll" + after)) {
            ContainerResponse response = api.get("triggers/cron-preview?" + preview);
            assertThat(response.getStatus()).as("%s: %s", preview, response.getEntity()).isEqualTo(200);
            assertThat(object(response).getJsonArray("next")).as(preview).isEmpty();
        }
    }

    @Test
    void aPreviewAfterAnInstantBeforeTheFirstDateIsRefusedNotAnsweredAsIfTheScheduleNeverTicked() {
        // Ticks follow it, but no date names them: the preview said "next": [] as if the cron never fired again.
        for (String preview : List.of("cron=0%206%20%2A%20%2A%20%2A", "trigger=payroll")) {
            ContainerResponse response = api.get("triggers/cron-preview?" + preview
                    + "&after=-1000000000-06-01T00:00:00Z");
            assertThat(response.getStatus()).as("%s: %s", preview, response.getEntity()).isEqualTo(400);
            assertThat(refusal(response)).as(preview).contains("NVENT-1128 query parameter 'after' is"
                    + " -1000000000-06-01T00:00:00Z, before -999999999-01-02T00:00:00Z, the first instant");
        }
    }

    @Test
    void aPreviewOfANonScheduleOrWithBothATriggerAndACronIsA400AndOfAnUnknownTriggerA404() {
        assertThat(refusal(api.get("triggers/cron-preview?trigger=by-hand")))
                .contains("trigger 'by-hand' is a manual trigger; only a schedule has ticks");
        assertThat(refusal(api.get("triggers/cron-preview?trigger=payroll&cron=%2A%20%2A%20%2A%20%2A%20%2A")))
                .contains("NVENT-0738 the preview gives ?trigger=payroll and ?cron=");
        assertThat(api.get("triggers/cron-preview?trigger=nope").getStatus()).isEqualTo(404);
    }

    @Test
    void aScheduleNotSavedIsPreviewedWithItsExclusionRulesGivenAsRepeatedParametersMarkedAsATriggerMatchesThem() {
        JsonObject preview = object(api.get("triggers/cron-preview?cron=0%206%20%2A%20%2A%20%2A&timezone=Europe/London"
                + "&exclude=2026-12-25&exclude=cron:%2A%20%2A%20%2A%20%2A%20SAT&exclude=calendar:no-sundays&count=5"
                + "&after=2026-12-24T07:00:00Z"));

        assertThat(preview.toString()).isEqualTo("{\"cron\":\"0 6 * * *\",\"description\":"
                + "\"" + engine.triggers().describe("0 6 * * *") + "\",\"timezone\":\"Europe/London\",\"next\":["
                + "\"2026-12-25T06:00:00Z\",\"2026-12-26T06:00:00Z\",\"2026-12-27T06:00:00Z\",\"2026-12-28T06:00:00Z\","
                + "\"2026-12-29T06:00:00Z\"],\"excluded\":["
                + "{\"at\":\"2026-12-25T06:00:00Z\",\"rule\":\"2026-12-25\"},"
                + "{\"at\":\"2026-12-26T06:00:00Z\",\"rule\":\"cron:* * * * SAT\"},"
                + "{\"at\":\"2026-12-27T06:00:00Z\",\"rule\":\"calendar:no-sundays\"}]}");
    }

    @Test
    void anUnsavedSchedulesRulesAreRefusedWithTheMessagesOfACreateNamingTheScheduleBeingPreviewedNotATrigger() {
        assertThat(refusal(api.get("triggers/cron-preview?cron=0%206%20%2A%20%2A%20%2A&exclude=christmas")))
                .contains("NVENT-0236 the schedule being previewed has exclusion rule ").contains("christmas")
                .contains("it is in none of the forms").doesNotContain("trigger '");
        assertThat(refusal(api.get("triggers/cron-preview?cron=0%206%20%2A%20%2A%20%2A&exclude=calendar:us-holidays")))
                .contains("NVENT-0419 the schedule being previewed excludes the ticks of calendar:us-holidays, but no"
                        + " ExclusionCalendar is named 'us-holidays' (known: no-sundays)");
        assertThat(refusal(api.get("triggers/cron-preview?cron=0%206%20%2A%20%2A%20%2A&exclude=cron:0%200%2030%202%20%2A")))
                .contains("NVENT-0236 the schedule being previewed has exclusion rule ", "cron:0 0 30 2 *", "never fires");
        assertThat(refusal(api.get("triggers/cron-preview?every=PT1H&exclude=calendar:us-holidays")))
                .contains("NVENT-0419 the schedule being previewed excludes the ticks of calendar:us-holidays");
        assertThat(refusal(api.get("triggers/cron-preview?exclude=2026-12-25"))).contains("NVENT-0717");
        assertThat(refusal(api.get("triggers/cron-preview?trigger=payroll&exclude=2026-12-25")))
                .contains("NVENT-0738 the preview gives ?trigger=payroll and ?exclude=");
    }

    @Test
    void anIntervalScheduleNotSavedIsPreviewedWithItsExclusionRulesMarkedAsATriggerMatchesThem() {
        // Every 12 hours, in London; Christmas Day, Saturdays and Sundays excluded.
        JsonObject preview = object(api.get("triggers/cron-preview?every=PT12H&timezone=Europe/London"
                + "&exclude=2026-12-25&exclude=cron:%2A%20%2A%20%2A%20%2A%20SAT&exclude=calendar:no-sundays&count=8"
                + "&after=2026-12-24T07:00:00Z"));

        assertThat(preview.getString("every")).isEqualTo("PT12H");
        assertThat(preview.getString("timezone")).isEqualTo("Europe/London");
        assertThat(preview.containsKey("trigger")).as("not saved: no name").isFalse();
        List<String> next = preview.getJsonArray("next").getValuesAs(jakarta.json.JsonString.class).stream()
                .map(jakarta.json.JsonString::getString).toList();
        assertThat(next).hasSize(8);
        assertThat(preview.getJsonArray("excluded").getValuesAs(JsonObject.class)).isNotEmpty().allSatisfy(excluded -> {
            ZonedDateTime at = Instant.parse(excluded.getString("at")).atZone(java.time.ZoneId.of("Europe/London"));
            String rule = excluded.getString("rule");
            assertThat(next).contains(excluded.getString("at"));
            assertThat(rule).isEqualTo(at.toLocalDate().toString().equals("2026-12-25") ? "2026-12-25"
                    : at.getDayOfWeek() == DayOfWeek.SATURDAY ? "cron:* * * * SAT" : "calendar:no-sundays");
        }).extracting(excluded -> excluded.getString("rule"))
                .contains("2026-12-25", "cron:* * * * SAT", "calendar:no-sundays");
    }

    @Test
    void anUnsavedIntervalIsRefusedInTheWordsOfACreatesRefusalOfTheSameInterval() {
        for (String every : List.of("PT0.5S", "-PT5S", "P367D", "90s")) {
            String byCreate = refusal(api.requestWithBody("POST", "triggers", "{\"name\":\"nightly\",\"type\":"
                    + "\"schedule\",\"flows\":[\"pay\"],\"every\":\"" + every + "\"}", "Content-Type",
                    "application/json"));
            // The create's words after its id, to the end of the problem's detail.
            String detail = byCreate.substring(byCreate.indexOf("NVENT-0787 ") + "NVENT-0787 ".length(),
                    byCreate.lastIndexOf("\"}"));

            assertThat(refusal(api.get("triggers/cron-preview?every=" + every))).as(every)
                    .contains("NVENT-1124 ", "the schedule being previewed", detail);
        }
    }

    @Test
    void anUnsavedIntervalIsRefusedAsACreateRefusesItAndNotWithACronOrATrigger() {
        assertThat(refusal(api.get("triggers/cron-preview?every=PT0.5S")))
                .contains("NVENT-1124 ?every= is ", "PT0.5S", "it must be a whole number of seconds")
                .contains("the schedule being previewed");
        assertThat(refusal(api.get("triggers/cron-preview?every=90s"))).contains("NVENT-1124 ?every= is the interval"
                + " of the schedule being previewed, refused as a create refuses it: \\\"every\\\" must be an ISO-8601"
                + " duration such as \\\"PT90S\\\"");
        assertThat(refusal(api.get("triggers/cron-preview?every=PT1H&cron=0%206%20%2A%20%2A%20%2A")))
                .contains("NVENT-1123 the preview gives ?cron=0 6 * * * and ?every=PT1H");
        assertThat(refusal(api.get("triggers/cron-preview?trigger=payroll&every=PT1H")))
                .contains("NVENT-0738 the preview gives ?trigger=payroll and ?every=");
    }

    @Test
    void withoutAfterThePreviewListsTheTicksAfterNowByTheEnginesClock() {
        Clock clock = Clock.fixed(Instant.parse("2026-12-24T07:00:00Z"), ZoneOffset.UTC);
        InProcessApi atChristmasEve = InProcessApi.withTriggers(engine.triggers(), clock, TriggersResource.class);

        assertThat(object(atChristmasEve.get("triggers/cron-preview?trigger=payroll&count=1")).getJsonArray("next"))
                .hasToString("[\"2026-12-25T06:00:00Z\"]");
        assertThat(object(atChristmasEve.get("triggers/cron-preview?cron=0%206%20%2A%20%2A%20%2A&count=1"))
                .getJsonArray("next")).hasToString("[\"2026-12-25T06:00:00Z\"]");
        assertThat(object(atChristmasEve.get("triggers/cron-preview?cron=0%206%20%2A%20%2A%20%2A&exclude=2026-12-25"
                + "&count=1")).getJsonArray("excluded")).hasToString("[{\"at\":\"2026-12-25T06:00:00Z\",\"rule\":"
                + "\"2026-12-25\"}]");
    }

    @Test
    void aTriggerServiceWrittenFor01AnswersTheTicksItCannotListWith501NamingWhatToDo() {
        TriggerService written01 = (TriggerService) Proxy.newProxyInstance(TriggerService.class.getClassLoader(),
                new Class<?>[] {TriggerService.class}, (proxy, method, args) -> method.isDefault()
                        ? InvocationHandler.invokeDefault(proxy, method, args) : method.invoke(engine.triggers(), args));
        InProcessApi old = InProcessApi.withTriggers(written01, TriggersResource.class);

        for (String query : List.of("trigger=payroll", "cron=0%206%20%2A%20%2A%20%2A&exclude=2026-12-25")) {
            ContainerResponse response = old.get("triggers/cron-preview?" + query);
            assertThat(response.getStatus()).as(query).isEqualTo(501);
            assertThat(response.getMediaType()).hasToString("application/problem+json");
            assertThat(response.getEntity().toString()).as(query).contains("NVENT-0700 the ticks of ")
                    .contains("cannot be previewed with its exclusion rules here (NVENT-0259 ")
                    .contains("preview its cron alone: ?cron=&timezone=");
        }
        assertThat(old.get("triggers/cron-preview?cron=0%206%20%2A%20%2A%20%2A").getStatus()).as("the cron alone")
                .isEqualTo(200);
    }

    @Test
    void aPreviewsRefusalBeginsWithItsOwnMessageIdAloneNotAfterTheGeneralNVENT0210() {
        assertThat(detail(api.get("triggers/cron-preview?trigger=payroll&cron=%2A%20%2A%20%2A%20%2A%20%2A")))
                .startsWith("NVENT-0738 the preview gives ?trigger=payroll and ?cron=");
        assertThat(detail(api.get("triggers/cron-preview?every=PT1H&cron=0%206%20%2A%20%2A%20%2A")))
                .startsWith("NVENT-1123 the preview gives ?cron=");
        assertThat(detail(api.get("triggers/cron-preview?exclude=2026-12-25"))).startsWith("NVENT-0717 ");
        assertThat(detail(api.get("triggers/cron-preview?every=90s"))).startsWith("NVENT-1124 ");
        assertThat(detail(api.get("triggers/cron-preview?every=PT1H&exclude=calendar:us-holidays")))
                .startsWith("NVENT-0419 the schedule being previewed");
        assertThat(detail(api.get("triggers/cron-preview?trigger=by-hand")))
                .isEqualTo("NVENT-0210 trigger 'by-hand' is a manual trigger; only a schedule has ticks");
    }

    private static String detail(ContainerResponse response) {
        return Representations.JSON.createReader(new java.io.StringReader(refusal(response))).readObject()
                .getString("detail");
    }

    private static String refusal(ContainerResponse response) {
        assertThat(response.getStatus()).as("%s", response.getEntity()).isEqualTo(400);
        return response.getEntity().toString();
    }
}
