package io.nvent.web.internal.rest;

import io.nvent.AppliedMisfire;
import io.nvent.Misfire;
import io.nvent.Overlap;
import io.nvent.TriggerEvent;
import io.nvent.TriggerInfo;
import io.nvent.TriggerService;
import io.nvent.TriggerSpec;
import io.nvent.TriggerType;
import jakarta.json.Json;
import jakarta.json.JsonValue;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import io.nvent.testkit.LogRecorder;
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
        stored.put(TriggerSpec.newBuilder("eu-orders", TriggerType.EVENT).flows(List.of("order")).event("order.placed")
                .build(), false);
    }

    @Test
    void aManualTriggerCannotBecomeAScheduleAndStaysAsItWas() {
        assertThatThrownBy(() -> resource.update("qa-man", "{\"type\":\"schedule\",\"cron\":\"* * * * *\"}", null, null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("NVENT-0751 the type of trigger 'qa-man' cannot change (manual → schedule); delete it "
                        + "and create a new one");

        assertThat(stored.spec("qa-man").cron()).isEmpty();
    }

    @Test
    void aFilterThatGivesAMemberTwiceIsRefusedAndTheTriggerKeepsItsFilter() {
        resource.update("eu-orders", "{\"filter\":{\"region\":\"eu\"}}", null, null, null);

        assertThatThrownBy(() -> resource.update("eu-orders", "{\"filter\":{\"region\":\"eu\",\"region\":\"us\"}}", null, null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("NVENT-0780 the trigger gives the member \"filter.region\" twice; give each member once (a "
                        + "filter cannot say \"either value\": create one trigger per value)");
        assertThat(stored.spec("eu-orders").filter()).hasValue("{\"region\":\"eu\"}");
    }

    @Test
    void aNameWithANulIsRefusedByTheNameRuleBeforeItIsLookedFor() {
        assertThatThrownBy(() -> resource.create("{\"name\":\"a\\u0000b\",\"type\":\"manual\",\"flows\":[\"order\"]}",
                null, null, null))
                .isInstanceOf(io.nvent.InvalidTriggerException.class)
                .hasMessage("NVENT-0210 trigger name 'a\u0000b' " + TriggerSpec.NAME_RULE);
    }

    @Test
    void aDeclaredTriggerWhoseTypeWouldChangeIsToBeChangedInTheCode() {
        assertThatThrownBy(() -> resource.update("nightly", "{\"type\":\"manual\"}", null, null, null))
                .hasMessageContaining("(schedule → manual)").hasMessageContaining("change it there");
    }

    @Test
    void theTypeItHasAlreadyInAnyCaseAndTheNameOfThePathAreNoChange() {
        resource.update("qa-man", "{\"name\":\"qa-man\",\"type\":\"MANUAL\",\"description\":\"by hand\"}", null, null, null);

        assertThat(stored.spec("qa-man").description()).isEqualTo("by hand");
    }

    @Test
    void aBodyNamingAnotherTriggerIsRefusedAsARename() {
        assertThatThrownBy(() -> resource.update("qa-man", "{\"name\":\"qa-auto\",\"description\":\"x\"}", null, null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("NVENT-0750 the body names trigger 'qa-auto', the path 'qa-man'");

        assertThat(stored.spec("qa-man").description()).isEmpty();
    }

    @Test
    void fieldsATriggerCannotHaveAreRefusedNamingThem() {
        assertThatThrownBy(() -> resource.update("qa-man", "{\"crn\":\"* * * * *\",\"stats\":{},\"enabled\":false}", null, null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("NVENT-0752 the trigger has fields it cannot have: \"crn\", \"stats\"; it takes only "
                        + "name, type, flows, cron, every, timezone, event, filter, description, enabled, misfire, "
                        + "misfireGrace, concurrencyKey, concurrencyKeyFrom, concurrencyKeyPrefix, concurrencyLimit, labels, "
                        + "runTimeout, overlap, exclude, debounce, debounceKeyFrom, debounceMax, batchMax, batchWindow,"
                        + " batchKeyFrom");

        assertThat(stored.spec("qa-man").enabled()).isTrue();
    }

    @Test
    void aScheduleGivenAnIntervalTicksOnItAloneAndShowsIt() {
        resource.update("nightly", "{\"every\":\"PT90S\"}", null, null, null);

        assertThat(stored.spec("nightly").every()).hasValue(Duration.ofSeconds(90));
        assertThat(stored.spec("nightly").cron()).isEmpty();
        assertThat(resource.trigger(stored.trigger("nightly").orElseThrow()).getString("every")).isEqualTo("PT1M30S");

        resource.update("nightly", "{\"cron\":\"0 3 * * *\"}", null, null, null);

        assertThat(stored.spec("nightly").cron()).hasValue("0 3 * * *");
        assertThat(stored.spec("nightly").every()).isEmpty();
        assertThat(resource.trigger(stored.trigger("nightly").orElseThrow())).doesNotContainKey("every");
    }

    @Test
    void anIntervalThatIsNoDurationOrNoWholeSecondOrBesideACronIsRefusedNamingTheField() {
        assertThatThrownBy(() -> resource.update("nightly", "{\"every\":\"90s\"}", null, null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("NVENT-0787 \"every\" must be an ISO-8601 duration such as \"PT90S\", \"PT15M\" or \"PT36H\", "
                        + "was \"90s\"");
        assertThatThrownBy(() -> resource.update("nightly", "{\"every\":\"PT0.500S\"}", null, null, null))
                .hasMessage("NVENT-0787 \"every\" is \"PT0.500S\"; it must be a whole number of seconds, at least PT1S and at "
                        + "most P366D");
        assertThatThrownBy(() -> resource.update("nightly", "{\"every\":\"-PT5S\"}", null, null, null))
                .as("as written, not PT-5S").hasMessageStartingWith("NVENT-0787 \"every\" is \"-PT5S\"; it must be");
        assertThatThrownBy(() -> resource.update("nightly", "{\"every\":\"PT1M\",\"cron\":\"* * * * *\"}", null, null, null))
                .hasMessageContaining("a schedule ticks on \"cron\" or \"every\"; the body gives both");
        assertThatThrownBy(() -> resource.update("nightly", "{\"every\":90}", null, null, null))
                .hasMessageContaining("\"every\" of the trigger must be a string");

        assertThat(stored.spec("nightly").cron()).hasValue("0 2 * * *");
    }

    @Test
    void anIntervalOnATriggerOtherThanAScheduleIsRefused() {
        assertThatThrownBy(() -> resource.update("qa-man", "{\"every\":\"PT1M\"}", null, null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("trigger 'qa-man' is a manual trigger; an interval (every) belongs to schedule triggers only");
    }

    @Test
    void anEventTriggersFilterIsTakenAsAJsonObjectShownAsOneKeptWhenLeftOutAndRemovedWithNull() {
        resource.update("eu-orders", "{\"filter\":{\"region\":\"eu\",\"order\":{\"priority\":2.0}}}", null, null, null);

        assertThat(stored.spec("eu-orders").filter()).hasValue("{\"region\":\"eu\",\"order\":{\"priority\":2.0}}");
        assertThat(resource.trigger(stored.trigger("eu-orders").orElseThrow()).getJsonObject("filter"))
                .hasToString("{\"region\":\"eu\",\"order\":{\"priority\":2.0}}");

        resource.update("eu-orders", "{\"description\":\"EU only\"}", null, null, null);

        assertThat(stored.spec("eu-orders").filter()).isPresent();

        resource.update("eu-orders", "{\"filter\":null}", null, null, null);

        assertThat(stored.spec("eu-orders").filter()).isEmpty();
        assertThat(resource.trigger(stored.trigger("eu-orders").orElseThrow())).doesNotContainKey("filter");
    }

    @Test
    void aFilterThatIsNoJsonObjectOrOnAnotherTypeThanEventIsRefusedAndNothingChanges() {
        assertThatThrownBy(() -> resource.update("eu-orders", "{\"filter\":\"{\\\"region\\\":\\\"eu\\\"}\"}", null, null, null))
                .isInstanceOf(io.nvent.InvalidPayloadException.class)
                .hasMessageContaining("NVENT-0204 \"filter\" of the trigger must be a JSON object such as "
                        + "{\"region\":\"eu\"} (the object itself, not a string)");
        assertThatThrownBy(() -> resource.update("eu-orders", "{\"filter\":[\"eu\"]}", null, null, null))
                .hasMessageContaining("must be a JSON object").hasMessageEndingWith("was [\"eu\"]");
        assertThatThrownBy(() -> resource.update("qa-man", "{\"filter\":{\"region\":\"eu\"}}", null, null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("NVENT-0221 trigger 'qa-man' is a manual trigger; a filter belongs to event triggers only");

        assertThat(stored.spec("eu-orders").filter()).isEmpty();
        assertThat(stored.spec("qa-man").filter()).isEmpty();
    }

    @Test
    void aGraceOfWholeDaysReadsBackInDaysAsItWasWritten() {
        resource.update("nightly", "{\"misfireGrace\":\"P2D\"}", null, null, null);

        assertThat(resource.trigger(stored.trigger("nightly").orElseThrow()))
                .containsEntry("misfireGrace", Json.createValue("P2D"));
        assertThat(TriggerSpec.durationText(Duration.ofHours(36))).isEqualTo("PT36H");
        assertThat(TriggerSpec.durationText(Duration.ofSeconds(90))).isEqualTo("PT1M30S");
    }

    @Test
    void aSchedulesOwnMisfirePolicyAndGraceAreTakenShownKeptWhenLeftOutAndInheritedAgainWithNull() {
        assertThat(resource.trigger(stored.trigger("nightly").orElseThrow()))
                .containsEntry("misfire", Json.createValue("inherit")).containsEntry("misfireGrace", JsonValue.NULL);

        resource.update("nightly", "{\"misfire\":\"skip\",\"misfireGrace\":\"PT6H\"}", null, null, null);

        assertThat(stored.spec("nightly").misfire()).isEqualTo(Misfire.SKIP);
        assertThat(stored.spec("nightly").misfireGrace()).hasValue(Duration.ofHours(6));
        assertThat(resource.trigger(stored.trigger("nightly").orElseThrow()))
                .containsEntry("misfire", Json.createValue("skip")).containsEntry("misfireGrace", Json.createValue("PT6H"));

        resource.update("nightly", "{\"description\":\"at two\"}", null, null, null);

        assertThat(stored.spec("nightly").misfire()).isEqualTo(Misfire.SKIP);
        assertThat(stored.spec("nightly").misfireGrace()).hasValue(Duration.ofHours(6));

        resource.update("nightly", "{\"misfire\":\"FIRE_ONCE\",\"misfireGrace\":null}", null, null, null);

        assertThat(stored.spec("nightly").misfire()).isEqualTo(Misfire.FIRE_ONCE);
        assertThat(stored.spec("nightly").misfireGrace()).isEmpty();

        resource.update("nightly", "{\"misfire\":\"fire-all\"}", null, null, null);

        assertThat(stored.spec("nightly").misfire()).isEqualTo(Misfire.FIRE_ALL);
        assertThat(resource.trigger(stored.trigger("nightly").orElseThrow()))
                .containsEntry("misfire", Json.createValue("fire-all"));

        resource.update("nightly", "{\"misfire\":null}", null, null, null);

        assertThat(stored.spec("nightly").misfire()).isEqualTo(Misfire.INHERIT);
        assertThat(resource.trigger(stored.trigger("qa-man").orElseThrow())).doesNotContainKey("misfire");
    }

    @Test
    void aMisfirePolicyOrGraceThatIsInvalidOrOnAnotherTypeThanScheduleIsRefusedNamingTheField() {
        assertThatThrownBy(() -> resource.update("nightly", "{\"misfire\":\"fire-each\"}", null, null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("NVENT-0787 \"misfire\" must be \"fire-once\", \"fire-all\", \"skip\" or \"inherit\" (the deployment's "
                        + "nvent.triggers.misfire), was \"fire-each\"");
        assertThatThrownBy(() -> resource.update("nightly", "{\"misfireGrace\":\"1h\"}", null, null, null))
                .hasMessage("NVENT-0787 \"misfireGrace\" must be an ISO-8601 duration such as \"PT1H\" or \"P1D\", was \"1h\"");
        assertThatThrownBy(() -> resource.update("nightly", "{\"misfireGrace\":\"P0D\"}", null, null, null))
                .hasMessage("NVENT-0231 \"misfireGrace\" is \"P0D\"; it must be a whole number of seconds, at least "
                        + "PT1S and at most P366D (leave it out to inherit nvent.triggers.misfire-grace)");
        assertThatThrownBy(() -> resource.update("nightly", "{\"misfire\":1}", null, null, null))
                .hasMessageContaining("\"misfire\" of the trigger must be a string");
        assertThatThrownBy(() -> resource.update("qa-man", "{\"misfireGrace\":\"PT1H\"}", null, null, null))
                .hasMessage("NVENT-0787 \"misfireGrace\" belongs to schedule triggers only (it says what a start does with ticks "
                        + "missed while no instance ran); this one is a manual trigger");

        // IllegalArgumentException is the 400 problem+json of UnexpectedProblemMapper, its message the detail.
        assertThatThrownBy(() -> resource.update("qa-man", "{\"misfire\":\"skip\"}", null, null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("NVENT-0787 \"misfire\" belongs to schedule triggers only");

        assertThat(stored.spec("nightly").misfire()).isEqualTo(Misfire.INHERIT);
        assertThat(stored.spec("nightly").misfireGrace()).isEmpty();
    }

    @Test
    void aScheduleShowsTheMisfirePolicyAndGraceThatApplyAndWhereEachComesFrom() {
        assertThat(resource.trigger(stored.trigger("nightly").orElseThrow()))
                .containsEntry("misfire", Json.createValue("inherit")).containsEntry("misfireGrace", JsonValue.NULL)
                .containsEntry("effectiveMisfire", Json.createObjectBuilder().add("policy", "skip")
                        .add("policyFrom", "deployment").add("grace", "P1D").add("graceFrom", "deployment").build());

        resource.update("nightly", "{\"misfireGrace\":\"PT6H\"}", null, null, null);

        assertThat(resource.trigger(stored.trigger("nightly").orElseThrow()).getJsonObject("effectiveMisfire"))
                .isEqualTo(Json.createObjectBuilder().add("policy", "skip").add("policyFrom", "deployment")
                        .add("grace", "PT6H").add("graceFrom", "trigger").build());
        assertThat(resource.trigger(stored.trigger("qa-man").orElseThrow())).doesNotContainKey("effectiveMisfire");
    }

    @Test
    void aWebhookTriggerAnyoneCanFireSaysSoInItsAnswerAndTheLogWhenChangedAtRunTime() {
        stored.put(TriggerSpec.newBuilder("open-hook", TriggerType.WEBHOOK).flows(List.of("order")).build(), false);
        stored.put(TriggerSpec.newBuilder("keyed-hook", TriggerType.WEBHOOK).flows(List.of("order")).build(), false);
        resource.protectionOf = trigger -> new WebhookProtection(List.of(), "nvent",
                trigger.equals("keyed-hook") ? List.of("a-key-of-24-characters-x") : List.of(), "X-API-Key");
        String warning = "NVENT-0712 webhook trigger open-hook takes unauthenticated requests: anyone who reaches "
                + "/api/nvent/triggers/open-hook/webhook starts its flows; set nvent.triggers.open-hook.secret to "
                + "require a signature or nvent.triggers.open-hook.api-key to require an API key";

        try (LogRecorder log = LogRecorder.recording(entry -> entry.getMessage().startsWith("NVENT-0712"))) {
            String answer = resource.update("open-hook", "{\"description\":\"from the partner\"}", null, null, null);
            resource.update("keyed-hook", "{\"description\":\"from the ERP\"}", null, null, null);

            assertThat(Json.createReader(new java.io.StringReader(answer)).readObject())
                    .containsEntry("signed", JsonValue.FALSE).containsEntry("apiKey", JsonValue.FALSE)
                    .containsEntry("warning", Json.createValue(warning));
            assertThat(log.records()).extracting(java.util.logging.LogRecord::getMessage).containsExactly(warning);
        }
        assertThat(resource.trigger(stored.trigger("keyed-hook").orElseThrow())).doesNotContainKey("warning");
        assertThat(resource.trigger(stored.trigger("qa-man").orElseThrow())).doesNotContainKey("warning");
    }

    @Test
    void aWebhookBodyThatIsNoJsonIsRefusedInJsonTermsSayingWhereItBrokeAndFiresNothing() {
        openWebhook();

        assertThatThrownBy(() -> webhook("{\n  \"orderId\" \"A-1\"\n}", null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("NVENT-0726 the body is not valid JSON at line 2, column 17: expected ':'; send a JSON "
                        + "value, such as an object {\"orderId\":\"A-1\"}, or an empty body for {}");
        assertThatThrownBy(() -> resource.fire("open-hook", "{\"orderId\":", null, null, null, null))
                .hasMessageStartingWith("NVENT-0726 the body is not valid JSON: it ends too early, expected '{' or '['");

        assertThat(stored.fired).isEmpty();
        assertThat(JsonInput.webhookBody("")).as("an empty body").isEqualTo("{}");
    }

    @Test
    void aFiresLabelParametersLabelItsRunsAndABadOneIsRefusedFiringNothing() {
        resource.fire("qa-man", "{}", null, List.of("vip", "eu", "vip"), null, null);

        assertThat(stored.fireOptions).singleElement()
                .satisfies(options -> assertThat(options.labels()).containsExactlyInAnyOrder("eu", "vip"));
        assertThatThrownBy(() -> resource.fire("qa-man", "{}", null, List.of("eu "), null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("NVENT-0727 query parameter 'label' refused: ");
        assertThat(stored.fired).as("fired by the first request only").hasSize(1);
    }

    @Test
    void anIdempotencyKeyOfOtherThanPrintableAsciiOrTooLongIsRefusedNamingItsHeaderAndStartsNothing() {
        openWebhook();
        // The server decodes a header's bytes as ISO-8859-1: a key sent as UTF-8 "café" arrives as "cafÃ©".
        String utf8AsLatin1 = new String("café".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                java.nio.charset.StandardCharsets.ISO_8859_1);

        assertThatThrownBy(() -> webhook("{}", utf8AsLatin1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("NVENT-0757 the Idempotency-Key header holds a character that is not ASCII (U+00C3 at "
                        + "position 4); an idempotency key is 1 to 255 printable ASCII characters (letters, digits, "
                        + "punctuation, spaces), such as a UUID; no run was started");
        assertThatThrownBy(() -> resource.fire("open-hook", "{}", "order\t7", null, null, null))
                .hasMessageStartingWith("NVENT-0757 the Idempotency-Key header holds a control character (U+0009 at "
                        + "position 6)");
        assertThatThrownBy(() -> resource.fire("open-hook", "{}", "k".repeat(256), null, null, null))
                .hasMessageStartingWith("NVENT-0757 the Idempotency-Key header has 256 characters, more than the 255 "
                        + "allowed");

        assertThat(stored.fired).isEmpty();
        assertThat(StartRequests.startOptions("k".repeat(255)).idempotencyKey()).hasValue("k".repeat(255));
        assertThat(StartRequests.startOptions("order 7: A-1/2").idempotencyKey()).hasValue("order 7: A-1/2");
    }

    @Test
    void aConcurrencyKeyIsSetShownAndKeptByABodyWithoutOne() {
        resource.update("eu-orders", "{\"concurrencyKeyFrom\":\"/customerId\",\"concurrencyKeyPrefix\":\"eu:\"}",
                null, null, null);

        assertThat(stored.spec("eu-orders").concurrencyKeyFrom()).hasValue("/customerId");
        assertThat(resource.trigger(stored.trigger("eu-orders").orElseThrow()))
                .containsEntry("concurrencyKeyFrom", Json.createValue("/customerId"))
                .containsEntry("concurrencyKeyPrefix", Json.createValue("eu:")).doesNotContainKey("concurrencyKey");

        resource.update("eu-orders", "{\"description\":\"orders of the EU\"}", null, null, null);
        assertThat(stored.spec("eu-orders").concurrencyKeyFrom()).as("kept").hasValue("/customerId");
        assertThat(stored.spec("eu-orders").concurrencyKeyPrefix()).as("kept").hasValue("eu:");
    }

    @Test
    void labelsAreSetShownSortedKeptAndRemovedByNull() {
        resource.update("qa-man", "{\"labels\":[\"nightly\",\"billing\",\"nightly\"]}", null, null, null);

        assertThat(stored.spec("qa-man").labels()).containsExactly("billing", "nightly");
        assertThat(resource.trigger(stored.trigger("qa-man").orElseThrow()).getJsonArray("labels"))
                .isEqualTo(Json.createArrayBuilder().add("billing").add("nightly").build());
        resource.update("qa-man", "{\"description\":\"by hand\"}", null, null, null);
        assertThat(stored.spec("qa-man").labels()).as("kept").containsExactly("billing", "nightly");

        resource.update("qa-man", "{\"labels\":[\"weekly\"]}", null, null, null);
        assertThat(stored.spec("qa-man").labels()).as("replaced").containsExactly("weekly");
        resource.update("qa-man", "{\"labels\":null}", null, null, null);
        assertThat(stored.spec("qa-man").labels()).isEmpty();
        assertThat(resource.trigger(stored.trigger("qa-man").orElseThrow())).doesNotContainKey("labels");
    }

    @Test
    void anOverlapPolicyIsSetByEitherNameShownKeptAndSetBackToAllowAllByNull() {
        assertThat(resource.trigger(stored.trigger("nightly").orElseThrow()).getString("overlap"))
                .as("a trigger as before 0.2").isEqualTo("allow-all");

        resource.update("nightly", "{\"overlap\":\"SKIP\"}", null, null, null);
        assertThat(stored.spec("nightly").overlap()).isEqualTo(Overlap.SKIP);
        assertThat(resource.trigger(stored.trigger("nightly").orElseThrow()).getString("overlap")).isEqualTo("skip");
        resource.update("nightly", "{\"description\":\"nightly export\"}", null, null, null);
        assertThat(stored.spec("nightly").overlap()).as("kept").isEqualTo(Overlap.SKIP);

        resource.update("nightly", "{\"overlap\":\"cancel-other\"}", null, null, null);
        assertThat(stored.spec("nightly").overlap()).isEqualTo(Overlap.CANCEL_OTHER);
        resource.update("nightly", "{\"overlap\":null}", null, null, null);
        assertThat(stored.spec("nightly").overlap()).isEqualTo(Overlap.ALLOW_ALL);
    }

    @Test
    void aSchedulesExclusionsAreSetShownKeptAndRemovedByNull() {
        assertThat(resource.trigger(stored.trigger("nightly").orElseThrow()).getJsonArray("exclude")).isEmpty();

        resource.update("nightly", "{\"exclude\":[\"2026-12-25\",\" --12-26\",\"calendar:uk-bank-holidays\"]}", null, null, null);
        assertThat(stored.spec("nightly").exclude()).containsExactly("2026-12-25", "--12-26", "calendar:uk-bank-holidays");
        assertThat(resource.trigger(stored.trigger("nightly").orElseThrow()).getJsonArray("exclude"))
                .isEqualTo(Json.createArrayBuilder().add("2026-12-25").add("--12-26").add("calendar:uk-bank-holidays")
                        .build());
        resource.update("nightly", "{\"description\":\"nightly export\"}", null, null, null);
        assertThat(stored.spec("nightly").exclude()).as("kept").hasSize(3);

        resource.update("nightly", "{\"exclude\":null}", null, null, null);
        assertThat(stored.spec("nightly").exclude()).isEmpty();
        assertThat(resource.trigger(stored.trigger("qa-man").orElseThrow())).doesNotContainKey("exclude");
    }

    @Test
    void aScheduleWhoseCalendarThisDeploymentLacksNamesItAsUnknownAndOneWithAllItsCalendarsDoesNot() {
        TriggerSpec spec = TriggerSpec.newBuilder("payroll", TriggerType.SCHEDULE).flows(List.of("order"))
                .cron("0 6 * * 1-5").exclude(List.of("calendar:uk-bank-holidays")).build();

        assertThat(resource.trigger(new TriggerInfo(spec, false, 0, 0, Optional.empty(), Optional.empty(),
                Optional.empty(), List.of("uk-bank-holidays"))).getJsonArray("unknownCalendars"))
                .isEqualTo(Json.createArrayBuilder().add("uk-bank-holidays").build());
        assertThat(resource.trigger(new TriggerInfo(spec, false, 0, 0, Optional.empty(), Optional.empty(),
                Optional.empty()))).doesNotContainKey("unknownCalendars");
    }

    @Test
    void anExclusionRuleInNoneOfTheFormsOrOnAManualTriggerIsRefusedAndTheTriggerKeepsItsRules() {
        resource.update("nightly", "{\"exclude\":[\"--12-25\"]}", null, null, null);

        assertThatThrownBy(() -> resource.update("nightly", "{\"exclude\":[\"--12-25\",\"Christmas\"]}", null, null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("NVENT-0236 trigger 'nightly' has exclusion rule \"Christmas\": it is in none"
                        + " of the forms; a rule is a date (2026-12-25)");
        assertThatThrownBy(() -> resource.update("qa-man", "{\"exclude\":[\"--12-25\"]}", null, null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("NVENT-0238 trigger 'qa-man' is a manual trigger; exclusions");
        assertThatThrownBy(() -> resource.update("nightly", "{\"exclude\":\"--12-24\"}", null, null, null))
                .isInstanceOf(io.nvent.InvalidPayloadException.class).hasMessage("NVENT-0204 \"exclude\" of the trigger"
                        + " must be an array of exclusion rules (strings), was \"--12-24\"");
        assertThat(stored.spec("nightly").exclude()).containsExactly("--12-25");
    }

    @Test
    void anOverlapPolicyNvent02DoesNotKnowIsRefusedNamingTheFieldAndThePolicies() {
        resource.update("nightly", "{\"overlap\":\"buffer-one\"}", null, null, null);

        assertThatThrownBy(() -> resource.update("nightly", "{\"overlap\":\"sometimes\"}", null, null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("NVENT-0715 \"overlap\" must be one of skip, buffer-one, buffer-all, cancel-other,"
                        + " allow-all (what a fire does while a run the trigger started is under way), was \"sometimes\"");
        assertThatThrownBy(() -> resource.update("nightly", "{\"overlap\":\"skip\",\"concurrencyKey\":\"all\","
                + "\"concurrencyLimit\":2}", null, null, null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("NVENT-0217 trigger 'nightly' has overlap policy skip and concurrency limit 2");
        assertThat(stored.spec("nightly").overlap()).as("kept").isEqualTo(Overlap.BUFFER_ONE);
    }

    @Test
    void aDebounceIsSetShownKeptAndRemovedByNull() {
        resource.update("qa-man", "{\"debounce\":\"PT30S\",\"debounceKeyFrom\":\"/customerId\",\"debounceMax\":\"PT5M\"}",
                null, null, null);

        assertThat(stored.spec("qa-man").debounce()).contains(new io.nvent.Debounce(Duration.ofSeconds(30),
                java.util.Optional.of("/customerId"), java.util.Optional.of(Duration.ofMinutes(5))));
        assertThat(resource.trigger(stored.trigger("qa-man").orElseThrow())).containsEntry("debounce",
                jakarta.json.Json.createValue("PT30S")).containsEntry("debounceKeyFrom",
                jakarta.json.Json.createValue("/customerId")).containsEntry("debounceMax", jakarta.json.Json.createValue("PT5M"));
        resource.update("qa-man", "{\"description\":\"by hand\"}", null, null, null);
        assertThat(stored.spec("qa-man").debounce()).as("kept").isPresent();

        resource.update("qa-man", "{\"debounce\":null}", null, null, null);
        assertThat(stored.spec("qa-man").debounce()).as("the pointer and the bound go with it").isEmpty();
        assertThat(resource.trigger(stored.trigger("qa-man").orElseThrow())).doesNotContainKey("debounce");
    }

    @Test
    void aBadDebounceIsRefusedNamingTheFieldAndTheTriggerKeepsItsOwn() {
        resource.update("qa-man", "{\"debounce\":\"PT30S\"}", null, null, null);

        assertThatThrownBy(() -> resource.update("qa-man", "{\"debounce\":\"PT0.5S\"}", null, null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("NVENT-0733 \"debounce\" is refused: NVENT-0239 the debounce of trigger 'qa-man' is PT0.5S;"
                        + " it must be a whole number of seconds, at least PT1S and at most P7D");
        assertThatThrownBy(() -> resource.update("qa-man", "{\"debounceMax\":\"PT10S\"}", null, null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("NVENT-0733 \"debounceMax\" is refused: NVENT-0239 the debounce bound"
                        + " (debounceMax) of trigger 'qa-man' is PT10S, shorter than its debounce PT30S");
        assertThatThrownBy(() -> resource.update("qa-man", "{\"debounceKeyFrom\":\"customerId\"}", null, null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("NVENT-0733 \"debounceKeyFrom\" is refused: NVENT-0249 the debounce key pointer");
        assertThatThrownBy(() -> resource.update("nightly", "{\"debounce\":\"PT30S\"}", null, null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("NVENT-0239 trigger 'nightly' is a schedule trigger");
        assertThatThrownBy(() -> resource.update("qa-man", "{\"debounce\":\"soon\"}", null, null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"debounce\" must be an ISO-8601"
                        + " duration");
        assertThat(stored.spec("qa-man").debounce()).as("kept").contains(io.nvent.Debounce.of(Duration.ofSeconds(30)));
    }

    @Test
    void batchingIsSetShownKeptAndRemovedByNull() {
        resource.update("qa-man", "{\"batchMax\":100,\"batchWindow\":\"PT10S\",\"batchKeyFrom\":\"/userId\"}", null, null, null);

        assertThat(stored.spec("qa-man").batch()).contains(new io.nvent.Batch(100, Duration.ofSeconds(10),
                java.util.Optional.of("/userId")));
        assertThat(resource.trigger(stored.trigger("qa-man").orElseThrow())).containsEntry("batchMax",
                jakarta.json.Json.createValue(100)).containsEntry("batchWindow", jakarta.json.Json.createValue("PT10S"))
                .containsEntry("batchKeyFrom", jakarta.json.Json.createValue("/userId"));
        resource.update("qa-man", "{\"batchMax\":5}", null, null, null);
        assertThat(stored.spec("qa-man").batch()).as("the window and pointer kept").contains(new io.nvent.Batch(5,
                Duration.ofSeconds(10), java.util.Optional.of("/userId")));

        resource.update("qa-man", "{\"batchWindow\":null}", null, null, null);
        assertThat(stored.spec("qa-man").batch()).as("the size and the pointer go with it").isEmpty();
        assertThat(resource.trigger(stored.trigger("qa-man").orElseThrow())).doesNotContainKey("batchMax");
    }

    @Test
    void badBatchingIsRefusedNamingTheFieldAndTheTriggerKeepsItsOwn() {
        resource.update("qa-man", "{\"batchMax\":100,\"batchWindow\":\"PT10S\"}", null, null, null);

        assertThatThrownBy(() -> resource.update("qa-man", "{\"batchMax\":1}", null, null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("NVENT-0719 \"batchMax\" is refused: NVENT-0252 the batch size (batchMax) of trigger"
                        + " 'qa-man' is 1; it must be from 2 to 1000 fires");
        assertThatThrownBy(() -> resource.update("qa-man", "{\"batchWindow\":\"P2D\"}", null, null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("NVENT-0719 \"batchWindow\" is refused: NVENT-0252 the batch window");
        assertThatThrownBy(() -> resource.update("qa-man", "{\"batchKeyFrom\":\"userId\"}", null, null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("NVENT-0719 \"batchKeyFrom\" is refused: NVENT-0253 the batch key pointer");
        assertThatThrownBy(() -> resource.update("qa-man", "{\"debounce\":\"PT30S\"}", null, null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("NVENT-0254 trigger 'qa-man' has both a debounce and batching");
        assertThatThrownBy(() -> resource.update("nightly", "{\"batchMax\":10,\"batchWindow\":\"PT10S\"}", null, null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("NVENT-0254 trigger 'nightly' is a schedule trigger");
        assertThatThrownBy(() -> resource.update("eu-orders", "{\"batchMax\":10}", null, null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("NVENT-0729 \"batchMax\" is part of batching, which needs both \"batchMax\"");
        assertThat(stored.spec("qa-man").batch()).as("kept").contains(io.nvent.Batch.of(100, Duration.ofSeconds(10)));
    }

    @Test
    void aRunTimeoutIsSetShownAsWrittenKeptAndRemovedByNull() {
        resource.update("qa-man", "{\"runTimeout\":\"PT48H\"}", null, null, null);

        assertThat(stored.spec("qa-man").runTimeout()).contains(Duration.ofHours(48));
        assertThat(resource.trigger(stored.trigger("qa-man").orElseThrow()).getString("runTimeout")).isEqualTo("P2D");
        resource.update("qa-man", "{\"description\":\"by hand\"}", null, null, null);
        assertThat(stored.spec("qa-man").runTimeout()).as("kept").contains(Duration.ofHours(48));

        resource.update("qa-man", "{\"runTimeout\":null}", null, null, null);
        assertThat(stored.spec("qa-man").runTimeout()).isEmpty();
        assertThat(resource.trigger(stored.trigger("qa-man").orElseThrow())).doesNotContainKey("runTimeout");
    }

    @Test
    void aRunTimeoutThatIsNoDurationOrOutOfRangeIsRefusedNamingTheFieldAndTheTriggerKeepsItsOwn() {
        resource.update("qa-man", "{\"runTimeout\":\"PT2H\"}", null, null, null);

        assertThatThrownBy(() -> resource.update("qa-man", "{\"runTimeout\":\"two hours\"}", null, null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("NVENT-0787 \"runTimeout\" must be an ISO-8601 duration such as \"PT2H\" or \"P2D\", was"
                        + " \"two hours\"");
        assertThatThrownBy(() -> resource.update("qa-man", "{\"runTimeout\":\"P400D\"}", null, null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("NVENT-0714 \"runTimeout\" is \"P400D\": NVENT-0215 the run timeout of trigger"
                        + " 'qa-man' is P400D; it must be positive and at most 366 days");
        assertThatThrownBy(() -> resource.update("qa-man", "{\"runTimeout\":\"-PT1H\"}", null, null, null))
                .hasMessageStartingWith("NVENT-0714 \"runTimeout\"");
        assertThatThrownBy(() -> resource.update("qa-man", "{\"runTimeout\":\"PT1.0005S\"}", null, null, null))
                .hasMessageStartingWith("NVENT-0714 \"runTimeout\" is \"PT1.0005S\": NVENT-0235");
        assertThat(stored.spec("qa-man").runTimeout()).contains(Duration.ofHours(2));
    }

    @Test
    void aLabelARunCouldNotCarryIsRefusedSayingWhyAndTheTriggerKeepsItsOwn() {
        resource.update("qa-man", "{\"labels\":[\"nightly\"]}", null, null, null);

        assertThatThrownBy(() -> resource.update("qa-man", "{\"labels\":[\"nightly \"]}", null, null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("NVENT-0286 a label must not begin or end with white space, was 'nightly '");
        assertThatThrownBy(() -> resource.update("qa-man", "{\"labels\":[" + IntStream.range(0, 11)
                .mapToObj(i -> "\"l" + i + "\"").collect(Collectors.joining(",")) + "]}", null, null, null))
                .hasMessageStartingWith("NVENT-0287 a run carries at most 10 labels");
        assertThatThrownBy(() -> resource.update("qa-man", "{\"labels\":\"nightly\"}", null, null, null))
                .hasMessageContaining("\"labels\" of the trigger must be an array of labels (strings)");
        assertThat(stored.spec("qa-man").labels()).containsExactly("nightly");
    }

    @Test
    void aConcurrencyLimitIsSetWithAKeyShownKeptAndSetBackToOneByNull() {
        resource.update("eu-orders", "{\"concurrencyKeyFrom\":\"/customerId\",\"concurrencyLimit\":3}", null, null, null);

        assertThat(stored.spec("eu-orders").concurrencyLimit()).isEqualTo(3);
        assertThat(resource.trigger(stored.trigger("eu-orders").orElseThrow()))
                .containsEntry("concurrencyLimit", Json.createValue(3));
        resource.update("eu-orders", "{\"concurrencyKeyFrom\":\"/customer/id\"}", null, null, null);
        assertThat(stored.spec("eu-orders").concurrencyLimit()).as("kept").isEqualTo(3);

        resource.update("eu-orders", "{\"concurrencyLimit\":null}", null, null, null);
        assertThat(stored.spec("eu-orders").concurrencyLimit()).isEqualTo(1);
        assertThat(resource.trigger(stored.trigger("eu-orders").orElseThrow()))
                .containsEntry("concurrencyLimit", Json.createValue(1));
    }

    @Test
    void aConcurrencyLimitOutOfRangeNoWholeNumberOrWithoutAKeyIsRefusedAndTheTriggerKeepsItsOwn() {
        resource.update("eu-orders", "{\"concurrencyKeyFrom\":\"/customerId\",\"concurrencyLimit\":2}", null, null, null);

        assertThatThrownBy(() -> resource.update("eu-orders", "{\"concurrencyLimit\":1001}", null, null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("NVENT-0278 the concurrency limit of trigger 'eu-orders' is invalid");
        assertThatThrownBy(() -> resource.update("eu-orders", "{\"concurrencyLimit\":2.5}", null, null, null))
                .hasMessage("NVENT-0204 \"concurrencyLimit\" of the trigger must be a whole number, was 2.5");
        assertThatThrownBy(() -> resource.update("eu-orders", "{\"concurrencyLimit\":\"3\"}", null, null, null))
                .hasMessageContaining("must be a whole number");
        assertThatThrownBy(() -> resource.update("eu-orders", "{\"concurrencyLimit\":3000000000}", null, null, null))
                .as("a whole number, too large").hasMessage("NVENT-0204 \"concurrencyLimit\" of the trigger is out of"
                        + " range: it must be a whole number within 1..1000, was 3000000000");
        assertThatThrownBy(() -> resource.update("eu-orders", "{\"concurrencyLimit\":1e10}", null, null, null))
                .hasMessage("NVENT-0204 \"concurrencyLimit\" of the trigger is out of range: it must be a whole number"
                        + " within 1..1000, was 1E+10");
        assertThatThrownBy(() -> resource.update("eu-orders", "{\"concurrencyKeyFrom\":null}", null, null, null))
                .as("a limit left without a key").hasMessageStartingWith("NVENT-0275 trigger 'eu-orders'");
        assertThat(resource.trigger(stored.trigger("qa-man").orElseThrow())).as("no key, no limit shown")
                .doesNotContainKey("concurrencyLimit");

        assertThat(stored.spec("eu-orders").concurrencyLimit()).isEqualTo(2);
    }

    @Test
    void aPutThatChangesOnlyThePointerKeepsThePrefix() {
        resource.update("eu-orders", "{\"concurrencyKeyFrom\":\"/customerId\",\"concurrencyKeyPrefix\":\"eu:\"}",
                null, null, null);

        resource.update("eu-orders", "{\"concurrencyKeyFrom\":\"/customer/id\"}", null, null, null);

        assertThat(stored.spec("eu-orders").concurrencyKeyFrom()).hasValue("/customer/id");
        assertThat(stored.spec("eu-orders").concurrencyKeyPrefix())
                .as("keys stay eu:42, apart from other triggers' 42").hasValue("eu:");
    }

    @Test
    void aPutThatChangesOnlyThePrefixKeepsThePointerAndANullPrefixRemovesIt() {
        resource.update("eu-orders", "{\"concurrencyKeyFrom\":\"/customerId\"}", null, null, null);

        resource.update("eu-orders", "{\"concurrencyKeyPrefix\":\"invoices: \"}", null, null, null);
        assertThat(stored.spec("eu-orders").concurrencyKeyFrom()).hasValue("/customerId");
        assertThat(stored.spec("eu-orders").concurrencyKeyPrefix()).as("taken as given").hasValue("invoices: ");

        resource.update("eu-orders", "{\"concurrencyKeyPrefix\":null}", null, null, null);
        assertThat(stored.spec("eu-orders").concurrencyKeyFrom()).hasValue("/customerId");
        assertThat(stored.spec("eu-orders").concurrencyKeyPrefix()).isEmpty();
    }

    @Test
    void aFixedKeyGivenClearsThePointerAndThePrefixAndAPointerGivenClearsTheFixedKey() {
        resource.update("eu-orders", "{\"concurrencyKeyFrom\":\"/customerId\",\"concurrencyKeyPrefix\":\"eu:\"}",
                null, null, null);

        resource.update("eu-orders", "{\"concurrencyKey\":\"all-orders\"}", null, null, null);
        assertThat(stored.spec("eu-orders").concurrencyKey()).hasValue("all-orders");
        assertThat(stored.spec("eu-orders").concurrencyKeyFrom()).isEmpty();
        assertThat(stored.spec("eu-orders").concurrencyKeyPrefix()).isEmpty();

        resource.update("eu-orders", "{\"concurrencyKeyFrom\":\"/customerId\"}", null, null, null);
        assertThat(stored.spec("eu-orders").concurrencyKeyFrom()).hasValue("/customerId");
        assertThat(stored.spec("eu-orders").concurrencyKey()).isEmpty();

        resource.update("eu-orders", "{\"concurrencyKey\":\"all-orders\"}", null, null, null);
        resource.update("eu-orders", "{\"concurrencyKey\":null}", null, null, null);
        assertThat(stored.spec("eu-orders").concurrencyKey()).isEmpty();
        assertThat(stored.spec("eu-orders").concurrencyKeyFrom()).isEmpty();
    }

    @Test
    void anInvalidConcurrencyKeyIsRefusedAndTheTriggerKeepsItsKey() {
        resource.update("eu-orders", "{\"concurrencyKeyFrom\":\"/customerId\"}", null, null, null);

        assertThatThrownBy(() -> resource.update("eu-orders", "{\"concurrencyKeyFrom\":\"customerId\"}", null, null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("NVENT-0268 ")
                .hasMessageContaining("\"customerId\", no JSON Pointer");
        assertThatThrownBy(() -> resource.update("eu-orders", "{\"concurrencyKey\":\"a\",\"concurrencyKeyFrom\":\"/b\"}",
                null, null, null)).hasMessageStartingWith("NVENT-0266 ");
        assertThatThrownBy(() -> resource.update("eu-orders",
                "{\"concurrencyKeyFrom\":null,\"concurrencyKeyPrefix\":\"eu:\"}", null, null, null))
                .as("a prefix left without a pointer").hasMessageStartingWith("NVENT-0266 ");
        assertThatThrownBy(() -> resource.update("eu-orders",
                "{\"concurrencyKey\":\"a\",\"concurrencyKeyPrefix\":\"eu:\"}", null, null, null))
                .hasMessageStartingWith("NVENT-0266 ");
        assertThatThrownBy(() -> resource.update("nightly", "{\"concurrencyKeyFrom\":\"/scheduledAt\"}", null, null, null))
                .hasMessageStartingWith("NVENT-0269 trigger 'nightly' is a schedule trigger");

        assertThat(stored.spec("eu-orders").concurrencyKeyFrom()).hasValue("/customerId");
    }

    @Test
    void aSignedDeliveryRefusedForWantOfAConcurrencyKeyIsNotRecordedAsReceivedSoItsRetryGetsThrough() {
        stored.put(TriggerSpec.newBuilder("signed-hook", TriggerType.WEBHOOK).flows(List.of("order"))
                .concurrencyKeyFrom("/customerId").build(), false);
        resource.protectionOf = trigger -> new WebhookProtection(List.of("s3cret"), "nvent", List.of(), "X-API-Key");
        resource.replayWindow = () -> Duration.ofMinutes(5);
        resource.scheduling = io.nvent.cdi.MemoryAdapters.schedulingStore();
        byte[] body = "{\"order\":7}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        String seconds = String.valueOf(Instant.now().getEpochSecond());
        String signature = signature("s3cret", seconds, body);

        for (int delivery = 1; delivery <= 2; delivery++) {
            assertThatThrownBy(() -> resource.webhook("signed-hook", seconds, signature, null, headers(), body))
                    .as("delivery %d reaches the trigger, and is refused by it, not as a replay", delivery)
                    .isInstanceOf(io.nvent.ConcurrencyKeyNotInPayloadException.class);
        }
        assertThat(stored.refusedForWantOfAKey).isEqualTo(2);
    }

    /**
     * The replay window was read from the configuration at every signed call; it is checked at start, and read once:
     * a value changed while the application runs takes effect at its next start, as the other settings do.
     */
    @Test
    void aSignedCallKeepsTheReplayWindowTheFirstOneReadThoughTheSettingChangesAfterIt() {
        stored.put(TriggerSpec.newBuilder("signed-hook", TriggerType.WEBHOOK).flows(List.of("order")).build(), false);
        resource.protectionOf = trigger -> new WebhookProtection(List.of("s3cret"), "nvent", List.of(), "X-API-Key");
        resource.scheduling = io.nvent.cdi.MemoryAdapters.schedulingStore();
        byte[] body = "{\"order\":7}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        String minuteAgo = String.valueOf(Instant.now().minusSeconds(60).getEpochSecond());
        String settingKey = "nvent.webhooks.replay-window-s";
        System.setProperty(settingKey, "600");
        try {
            assertThat(resource.webhook("signed-hook", minuteAgo, signature("s3cret", minuteAgo, body), null,
                    headers(), body).getStatus()).isEqualTo(202);

            System.setProperty(settingKey, "5");
            String secondsLater = String.valueOf(Instant.now().minusSeconds(59).getEpochSecond());

            assertThat(resource.webhook("signed-hook", secondsLater, signature("s3cret", secondsLater, body), null,
                    headers(), body).getStatus()).as("signed a minute ago, within the window read first").isEqualTo(202);
        } finally {
            System.clearProperty(settingKey);
        }
        assertThat(stored.fired).hasSize(2);
    }

    /** These refusals said what was wrong without a message id to search for. */
    @Test
    void theWebhooksAndTriggersRefusalsCarryMessageIdsAndKeepTheirStatus() {
        openWebhook();
        stored.put(TriggerSpec.newBuilder("signed-hook", TriggerType.WEBHOOK).flows(List.of("order")).build(), false);
        resource.replayWindow = () -> Duration.ofMinutes(5);
        resource.scheduling = io.nvent.cdi.MemoryAdapters.schedulingStore();
        byte[] body = "{\"order\":7}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        String seconds = String.valueOf(Instant.now().getEpochSecond());
        String signature = signature("s3cret", seconds, body);

        resource.operator = security -> true;
        assertProblem(resource.webhook("no-such-hook", null, null, null, headers(), body), 404,
                "NVENT-0762 no webhook trigger named 'no-such-hook'; check the trigger's name in the URL");
        assertProblem(resource.create("{\"name\":\"qa-man\",\"type\":\"manual\",\"flows\":[\"order\"]}", null, null, null), 409,
                "NVENT-0763 a trigger named 'qa-man' exists already; change it with PUT");
        assertProblem(resource.delete("nightly", null, null), 409, "NVENT-0764 trigger 'nightly' is declared with @Trigger");
        resource.protectionOf = trigger -> new WebhookProtection(List.of(), "nvent", List.of("k3y"), "X-API-Key");
        assertProblem(resource.webhook("open-hook", null, null, null, headers(), body), 401,
                "NVENT-0759 this webhook requires an API key in the header X-API-Key");
        resource.protectionOf = trigger -> new WebhookProtection(List.of("s3cret"), "nvent", List.of(), "X-API-Key");
        assertProblem(resource.webhook("signed-hook", seconds, "sha256=00", null, headers(), body), 401,
                "NVENT-0760 the signature does not match the body");
        assertThat(resource.webhook("signed-hook", seconds, signature, null, headers(), body).getStatus())
                .isEqualTo(202);
        assertProblem(resource.webhook("signed-hook", seconds, signature, null, headers(), body), 409,
                "NVENT-0761 this signed request was accepted before");
        assertThat(stored.fired).hasSize(1);
    }

    /** An unknown trigger answered 404 and a signed one 401: an anonymous caller could list the triggers' names. */
    @Test
    void anAnonymousCallerCannotTellAWebhookNoTriggerHasFromASignedTriggersWhoseSignatureItLacks() {
        stored.put(TriggerSpec.newBuilder("signed-hook", TriggerType.WEBHOOK).flows(List.of("order")).build(), false);
        resource.protectionOf = trigger -> new WebhookProtection(List.of("s3cret-of-the-partner"), "nvent", List.of(),
                "X-API-Key");
        resource.replayWindow = () -> Duration.ofMinutes(5);
        byte[] body = "{\"order\":7}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        String now = String.valueOf(Instant.now().getEpochSecond());
        String[][] attempts = {{null, null}, {now, "sha256=00"}, {now, signature("a-guess", now, body)},
                {"0", signature("a-guess", "0", body)}, {"01", "sha256=00"}, {now, "sha256=zz"}};

        for (String[] attempt : attempts) {
            jakarta.ws.rs.core.Response known = resource.webhook("signed-hook", attempt[0], attempt[1], null,
                    headers(), body);
            for (String name : List.of("no-such-hook", "qa-man")) {
                jakarta.ws.rs.core.Response unknown = resource.webhook(name, attempt[0], attempt[1], null, headers(),
                        body);
                assertThat(unknown.getStatus()).as("%s %s", name, java.util.Arrays.toString(attempt)).isEqualTo(401);
                assertThat(unknown.getEntity()).as("%s %s", name, java.util.Arrays.toString(attempt)).isEqualTo(known.getEntity());
                assertThat(unknown.getHeaderString("WWW-Authenticate")).isEqualTo(known.getHeaderString(
                        "WWW-Authenticate"));
                assertThat(unknown.getMediaType()).isEqualTo(known.getMediaType());
            }
        }
        assertThat(stored.fired).isEmpty();
    }

    /** The count went through the log's message format, which wrote a thousand calls as "1,000". */
    @Test
    void theLogCountsTheCallsOfWebhooksNoTriggerHasInPlainDigits() {
        byte[] body = "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        resource.replayWindow = () -> Duration.ofMinutes(5);
        Instant start = Instant.parse("2026-12-07T20:00:00Z");
        resource.clock = java.time.Clock.fixed(start, java.time.ZoneOffset.UTC);
        resource.webhook("first", null, null, null, headers(), body);
        for (int i = 0; i < 999; i++) {
            resource.webhook("guess-" + i, null, null, null, headers(), body);
        }
        resource.clock = java.time.Clock.fixed(start.plus(Duration.ofMinutes(1)), java.time.ZoneOffset.UTC);

        try (LogRecorder log = LogRecorder.recording(entry -> String.valueOf(entry.getMessage()).startsWith("NVENT-0716"))) {
            resource.webhook("last", null, null, null, headers(), body);

            assertThat(log.records()).singleElement().extracting(new java.util.logging.SimpleFormatter()::formatMessage)
                    .asString().startsWith("NVENT-0716 1000 webhook calls of no webhook trigger");
        }
    }

    @Test
    void anOperatorIsToldThatNoWebhookTriggerHasTheNameAndTheLogSaysWhichOneAnAnonymousCallerTried() {
        byte[] body = "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        resource.replayWindow = () -> Duration.ofMinutes(5);
        try (LogRecorder log = LogRecorder.recording(entry -> String.valueOf(entry.getMessage()).startsWith("NVENT-0716"))) {
            resource.webhook("no-such\nhook", null, null, null, headers(), body);
            resource.webhook("another-one", null, null, null, headers(), body);

            assertThat(log.records()).as("at most once a minute, however many names").singleElement()
                    .extracting(new java.util.logging.SimpleFormatter()::formatMessage).isEqualTo("NVENT-0716 1 webhook"
                    + " call of no webhook trigger answered 401 as a signed trigger's would, the last for 'no-such\\nhook'"
                    + " (only an operator's call gets 404 NVENT-0762, so that an anonymous caller cannot tell which"
                    + " triggers exist); further ones are reported at most once a minute");
        }
        resource.operator = security -> true;

        assertProblem(resource.webhook("no-such-hook", null, null, null, headers(), body), 404,
                "NVENT-0762 no webhook trigger named 'no-such-hook'");
    }

    /** A Content-Type refused before the signature told a caller who cannot sign what the webhook parses. */
    @Test
    void aContentTypeThatIsNoMediaTypeIsRefusedOnlyOnceTheSignatureIsRightAndFiresNothing() {
        stored.put(TriggerSpec.newBuilder("signed-hook", TriggerType.WEBHOOK).flows(List.of("order")).build(), false);
        resource.protectionOf = trigger -> new WebhookProtection(List.of("s3cret"), "nvent", List.of(), "X-API-Key");
        resource.replayWindow = () -> Duration.ofMinutes(5);
        resource.scheduling = io.nvent.cdi.MemoryAdapters.schedulingStore();
        byte[] body = "{\"order\":7}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        String seconds = String.valueOf(Instant.now().getEpochSecond());
        jakarta.ws.rs.core.HttpHeaders garbage = headers(HeaderGuard.SET_ASIDE_CONTENT_TYPE, "garbage");

        assertProblem(resource.webhook("signed-hook", seconds, "sha256=00", null, garbage, body), 401,
                "NVENT-0760 the signature does not match the body");
        assertProblem(resource.webhook("signed-hook", null, null, null, garbage, body), 401, "NVENT-0760 ");
        for (int delivery = 1; delivery <= 2; delivery++) {
            assertThatThrownBy(() -> resource.webhook("signed-hook", seconds, signature("s3cret", seconds, body), null,
                    garbage, body)).as("delivery %d, not refused as a replay", delivery)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("NVENT-0772 the Content-Type header 'garbage' is not a media type");
        }
        assertThat(stored.fired).isEmpty();
    }

    @Test
    void aWebhookOrFireBodyWithTextAfterItsJsonValueIsRefusedAndFiresNothing() {
        openWebhook();

        assertThatThrownBy(() -> webhook("{\"orderId\":\"A-1\"}\n{\"orderId\":\"A-2\"}", null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("NVENT-0758 the body is not one JSON value: text follows the JSON value, which ends at "
                        + "line 1, column 17; send one JSON value, with nothing after it but whitespace");
        assertThatThrownBy(() -> resource.fire("open-hook", "[1] x", null, null, null, null))
                .hasMessageStartingWith("NVENT-0758 the body is not one JSON value");
        assertThat(webhook("{\"orderId\":\"A-1\"} \n\t", null).getStatus()).as("whitespace after it").isEqualTo(202);
        assertThat(stored.fired).hasSize(1);
    }

    /** The X-Nvent-Signature of a body sent at these unix seconds, signed with the secret. */
    private static String signature(String secret, String seconds, byte[] body) {
        return "sha256=" + java.util.HexFormat.of().formatHex(WebhookSignature.sign(secret,
                WebhookSignature.signedMessage(Long.parseLong(seconds), body)));
    }

    private static void assertProblem(jakarta.ws.rs.core.Response answer, int status, String detailStart) {
        assertThat(answer.getStatus()).isEqualTo(status);
        assertThat(JsonInput.read((String) answer.getEntity()).asJsonObject().getString("detail"))
                .startsWith(detailStart);
    }

    private void openWebhook() {
        stored.put(TriggerSpec.newBuilder("open-hook", TriggerType.WEBHOOK).flows(List.of("order")).build(), false);
        resource.protectionOf = trigger -> new WebhookProtection(List.of(), "nvent", List.of(), "X-API-Key");
    }

    private jakarta.ws.rs.core.Response webhook(String body, String idempotencyKey) {
        return resource.webhook("open-hook", null, null, idempotencyKey,
                idempotencyKey == null ? headers() : headers(StartRequests.IDEMPOTENCY_KEY, idempotencyKey),
                body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void aWebhookCallFoldedIntoADebouncedTriggersPendingRunIsAcceptedWithThatRunAndIsNoReplay() {
        stored.put(TriggerSpec.newBuilder("open-hook", TriggerType.WEBHOOK).flows(List.of("order"))
                .debounce(Duration.ofSeconds(30)).build(), false);
        resource.protectionOf = trigger -> new WebhookProtection(List.of(), "nvent", List.of(), "X-API-Key");
        webhook("{\"v\":1}", null);

        jakarta.ws.rs.core.Response folded = webhook("{\"v\":2}", null);

        assertThat(folded.getStatus()).isEqualTo(202);
        assertThat(folded.getHeaderString(StartRequests.REPLAYED)).isNull();
        assertThat(folded.getEntity().toString()).contains("\"runs\":[\"r-1\"]");
    }

    @Test
    void aKeyedWebhookCallFoldedIntoADebouncedTriggersPendingRunIsAcceptedAsNoReplayWhileTheSendersRetryIsOne() {
        stored.put(TriggerSpec.newBuilder("open-hook", TriggerType.WEBHOOK).flows(List.of("order"))
                .debounce(Duration.ofSeconds(30)).build(), false);
        resource.protectionOf = trigger -> new WebhookProtection(List.of(), "nvent", List.of(), "X-API-Key");
        assertThat(webhook("{\"v\":1}", "delivery-1").getStatus()).as("the fire opening the pending run").isEqualTo(202);

        jakarta.ws.rs.core.Response folded = webhook("{\"v\":2}", "delivery-2");
        jakarta.ws.rs.core.Response retried = webhook("{\"v\":1}", "delivery-1");
        jakarta.ws.rs.core.Response foldedByFire = resource.fire("open-hook", "{\"v\":3}", "fire-3", null, null, null);

        assertThat(folded.getStatus()).as("a delivery of its own, folded").isEqualTo(202);
        assertThat(folded.getHeaderString(StartRequests.REPLAYED)).isNull();
        assertThat(folded.getEntity().toString()).contains("\"runs\":[\"r-1\"]");
        assertThat(retried.getStatus()).as("the sender's retry of the first delivery").isEqualTo(200);
        assertThat(retried.getHeaderString(StartRequests.REPLAYED)).isEqualTo("true");
        assertThat(foldedByFire.getStatus()).as("/fire folded").isEqualTo(202);
        assertThat(foldedByFire.getHeaderString(StartRequests.REPLAYED)).isNull();
    }

    @Test
    void anIdempotencyKeyGivenTwiceToAWebhookIsRefusedOnlyOnceTheCallerIsKnown() {
        openWebhook();
        stored.put(TriggerSpec.newBuilder("keyed-hook", TriggerType.WEBHOOK).flows(List.of("order")).build(), false);
        jakarta.ws.rs.core.HttpHeaders twoKeys = headers(StartRequests.IDEMPOTENCY_KEY, "order-1",
                StartRequests.IDEMPOTENCY_KEY, "order-2");
        byte[] body = "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8);

        assertThatThrownBy(() -> resource.webhook("open-hook", null, null, "order-1", twoKeys, body))
                .hasMessageStartingWith("NVENT-0771 the Idempotency-Key header is given 2 times");
        resource.protectionOf = trigger -> new WebhookProtection(List.of(), "nvent", List.of("k3y-of-the-sender"),
                "X-API-Key");
        assertThat(resource.webhook("keyed-hook", null, null, "order-1", twoKeys, body).getStatus()).isEqualTo(401);
        assertThat(stored.fired).isEmpty();
    }

    /** Request headers given as name, value, name, value … (a name given twice is two header fields). */
    static jakarta.ws.rs.core.HttpHeaders headers(String... nameValues) {
        jakarta.ws.rs.core.MultivaluedMap<String, String> headers = new jakarta.ws.rs.core.MultivaluedHashMap<>();
        for (int i = 0; i < nameValues.length; i += 2) {
            headers.add(nameValues[i], nameValues[i + 1]);
        }
        return (jakarta.ws.rs.core.HttpHeaders) java.lang.reflect.Proxy.newProxyInstance(
                TriggersResourceTest.class.getClassLoader(), new Class<?>[] {jakarta.ws.rs.core.HttpHeaders.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "getRequestHeaders" -> headers;
                    case "getHeaderString" -> headers.containsKey((String) args[0])
                            ? String.join(",", headers.get((String) args[0])) : null;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    /** Triggers held in a map; what a PUT does not need is not supported. */
    private static final class InMemoryTriggers implements TriggerService {

        /** Records nobody: what the operator's view records is the engine's, tested there. */
        @Override
        public TriggerService actingAs(io.nvent.Operator operator) {
            return this;
        }

        private final Map<String, TriggerInfo> byName = new ConcurrentHashMap<>();
        /** The payloads of the fires, in order. */
        final List<String> fired = new java.util.concurrent.CopyOnWriteArrayList<>();
        /** The options of the fires, in order. */
        final List<io.nvent.StartOptions> fireOptions = new java.util.concurrent.CopyOnWriteArrayList<>();
        /** Fires refused because the payload holds no concurrency key where the trigger points. */
        int refusedForWantOfAKey;

        void put(TriggerSpec spec, boolean declared) {
            byName.put(spec.name(), new TriggerInfo(spec, declared, 0, 0, Optional.empty(), Optional.empty(),
                    Optional.empty()));
        }

        TriggerSpec spec(String name) {
            return byName.get(name).spec();
        }

        @Override
        public Optional<TriggerInfo> trigger(String name) {
            if (name.indexOf('\u0000') >= 0) {
                throw new IllegalStateException("PostgreSQL: invalid byte sequence for encoding \"UTF8\": 0x00");
            }
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
        public List<io.nvent.StartedRun> fire(String name, String jsonPayload, io.nvent.StartOptions options) {
            Optional<String> pointer = spec(name).concurrencyKeyFrom();
            if (pointer.isPresent() && !jsonPayload.contains("\"" + pointer.get().substring(1) + "\"")) {
                refusedForWantOfAKey++;
                throw new io.nvent.ConcurrencyKeyNotInPayloadException(name, pointer.get(), "nothing");
            }
            fired.add(jsonPayload);
            fireOptions.add(options);
            if (spec(name).debounce().isPresent() && fired.size() > 1) {
                if (options.idempotencyKey().isPresent() && options.idempotencyKey().equals(fireOptions.get(0)
                        .idempotencyKey())) {
                    return List.of(new io.nvent.StartedRun("r-1", false));   // a retry of the first fire: a replay
                }
                return List.of(io.nvent.StartedRun.foldedInto("r-1"));   // folded into the first fire's pending run
            }
            return List.of(new io.nvent.StartedRun("r-" + fired.size(), true));
        }

        @Override
        public List<TriggerEvent> history(String name, int limit) {
            throw new UnsupportedOperationException();
        }

        @Override
        public String describe(String cron) {
            throw new UnsupportedOperationException();
        }

        @Override
        public io.nvent.BackfillResult backfill(io.nvent.Backfill backfill) {
            throw new UnsupportedOperationException();
        }

        /** A deployment that skips missed ticks, with the default grace of a day. */
        @Override
        public AppliedMisfire appliedMisfire(TriggerSpec schedule) {
            return new AppliedMisfire(schedule.misfire() == Misfire.INHERIT ? Misfire.SKIP : schedule.misfire(),
                    schedule.misfire() != Misfire.INHERIT, schedule.misfireGrace().orElse(Duration.ofHours(24)),
                    schedule.misfireGrace().isPresent());
        }
    }
}
