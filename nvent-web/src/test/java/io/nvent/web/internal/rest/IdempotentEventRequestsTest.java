package io.nvent.web.internal.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nvent.EventOptions;
import io.nvent.EventQuery;
import io.nvent.EventType;
import io.nvent.FlowService;
import io.nvent.IdempotencyKeyInUseException;
import io.nvent.RunInfo;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.TriggerSpec;
import io.nvent.TriggerType;
import io.nvent.cdi.EmbeddedEngine;
import io.nvent.cdi.MemoryAdapters;
import io.nvent.spi.AdapterUnavailableException;
import io.nvent.spi.FlowStore;
import io.nvent.testkit.IdempotentEventFlows.PayBack;
import io.nvent.testkit.IdempotentEventFlows.Send;
import io.nvent.testkit.IdempotentEventFlows.Track;
import jakarta.json.Json;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.io.StringReader;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.glassfish.jersey.server.ContainerResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /runs/{id}/emit/{event}} and {@code POST /events/{event}} with an {@code Idempotency-Key}: a client
 * retrying after a timeout delivers the event once and gets the first answer again.
 */
class IdempotentEventRequestsTest {

    private final EmbeddedEngine engine = EmbeddedEngine.newBuilder().step(new Send()).step(new Track())
            .step(new PayBack()).build();

    @AfterEach
    void closeEngine() {
        engine.close();
    }

    @Test
    void aRepeatedEmitWithItsKeyIsAnswered200ReplayedWithoutDeliveringAndAnotherPayloadIs422() {
        String parcel = awaiting("parcel");
        String emit = "runs/" + parcel + "/emit/parcel.scanned";

        ContainerResponse first = api().requestWithBody("POST", emit, "{\"depot\":\"Hamburg\",\"at\":1}",
                "Idempotency-Key", "scan-1");
        ContainerResponse again = api().requestWithBody("POST", emit, "{ \"at\": 1.0, \"depot\": \"Hamburg\" }",
                "Idempotency-Key", "scan-1");
        ContainerResponse other = api().requestWithBody("POST", emit, "{\"depot\":\"Kiel\"}",
                "Idempotency-Key", "scan-1");

        assertThat(first.getStatus()).isEqualTo(200);
        assertThat(first.getHeaderString("Idempotent-Replayed")).isNull();
        assertThat(again.getStatus()).isEqualTo(200);
        assertThat(again.getHeaderString("Idempotent-Replayed")).isEqualTo("true");
        assertThat(parse(again).asJsonObject().getString("runId")).isEqualTo(parcel);
        assertThat(other.getStatus()).isEqualTo(422);
        assertThat(other.getEntity()).asString().contains("NVENT-0281 idempotency key 'scan-1' already delivered"
                + " another event or payload into run " + parcel);
        assertThat(engine.flows().events(parcel, EventQuery.all())).filteredOn(e -> e.type() == EventType.EMIT)
                .hasSize(1);
    }

    @Test
    void aRetriedFireOfADebouncedTriggerIsAnsweredReplayedAndOneWithAnotherPayloadIs422FoldingNothing() {
        engine.triggers().create(TriggerSpec.newBuilder("depot-sync", TriggerType.EVENT).event("depot.changed")
                .flow("parcel").debounce(Duration.ofSeconds(30)).debounceKeyFrom("/depot").build());
        InProcessApi triggers = InProcessApi.withTriggers(engine.triggers(), TriggersResource.class);
        String fire = "triggers/depot-sync/fire";

        ContainerResponse first = triggers.requestWithBody("POST", fire, "{\"depot\":\"Hamburg\",\"at\":1}",
                "Idempotency-Key", "sync-1");
        ContainerResponse again = triggers.requestWithBody("POST", fire, "{ \"at\": 1, \"depot\": \"Hamburg\" }",
                "Idempotency-Key", "sync-1");
        ContainerResponse other = triggers.requestWithBody("POST", fire, "{\"depot\":\"Hamburg\",\"at\":2}",
                "Idempotency-Key", "sync-1");

        List<RunInfo> runs = engine.flows().runs(new RunQuery(Optional.of("parcel"), Optional.empty(), 0, 10));
        assertThat(runs).as("one pending run").singleElement();
        String pending = runs.get(0).runId();
        assertThat(first.getStatus()).isEqualTo(200);
        assertThat(again.getStatus()).isEqualTo(200);
        assertThat(again.getHeaderString("Idempotent-Replayed")).isEqualTo("true");
        assertThat(other.getStatus()).isEqualTo(422);
        assertThat(other.getEntity()).asString().contains("NVENT-0450 idempotency key 'sync-1' of trigger"
                + " 'depot-sync' for flow 'parcel' was given by an earlier fire with another payload, which went into"
                + " run " + pending);
        assertThat(engine.flows().events(pending, EventQuery.all())).as("nothing folded")
                .noneMatch(e -> e.type() == EventType.RUN_DEBOUNCED);
    }

    @Test
    void aRepeatedPublishWithItsKeyIsAnsweredTheFirstAnswerWith200ReplayedAndABadKeyIs400() {
        String refund = awaiting("refund");
        String firstAnswer = "{\"event\":\"refund.approved\",\"startedRuns\":[],\"resolvedAwaits\":1}";

        ContainerResponse first = api().requestWithBody("POST", "events/refund.approved", "{\"by\":\"ops\"}",
                "Idempotency-Key", "approval-7");
        await().atMost(Duration.ofSeconds(10)).until(() -> engine.flows().run(refund).orElseThrow().status()
                == RunStatus.COMPLETED);
        String second = awaiting("refund");
        ContainerResponse again = api().requestWithBody("POST", "events/refund.approved", "{\"by\":\"ops\"}",
                "Idempotency-Key", "approval-7");
        ContainerResponse badKey = api().requestWithBody("POST", "events/refund.approved", "{\"by\":\"ops\"}",
                "Idempotency-Key", "caf\u00e9");

        assertThat(first.getStatus()).isEqualTo(200);
        assertThat(parse(first)).isEqualTo(parse(firstAnswer));
        assertThat(again.getStatus()).isEqualTo(200);
        assertThat(again.getHeaderString("Idempotent-Replayed")).isEqualTo("true");
        assertThat(parse(again)).isEqualTo(parse(firstAnswer));
        assertThat(engine.flows().run(second).orElseThrow().status()).isEqualTo(RunStatus.AWAITING);
        assertThat(badKey.getStatus()).isEqualTo(400);
        assertThat(badKey.getEntity()).asString().contains("NVENT-0757 the Idempotency-Key header holds a character "
                + "that is not ASCII").contains("nothing was delivered");
    }

    @Test
    void aRepeatWhileTheFirstIsUnderWayIs409WithRetryAfterAndOneOfUnknownOutcome409Without() {
        String parcel = awaiting("parcel");
        IdempotencyKeyInUseException underWay = IdempotencyKeyInUseException.underWay("scan-1",
                "an emit of event 'parcel.scanned' into run " + parcel, Duration.ofSeconds(1));
        IdempotencyKeyInUseException unknown = new IdempotencyKeyInUseException("NVENT-0589 outcome unknown",
                "approval-7", Optional.empty());

        ContainerResponse retry = InProcessApi.of(refusingKeyedCalls(underWay), RunsResource.class)
                .requestWithBody("POST", "runs/" + parcel + "/emit/parcel.scanned", "{}", "Idempotency-Key", "scan-1");
        ContainerResponse refused = InProcessApi.of(refusingKeyedCalls(unknown), EventsResource.class)
                .requestWithBody("POST", "events/refund.approved", "{}", "Idempotency-Key", "approval-7");

        assertThat(retry.getStatus()).isEqualTo(409);
        assertThat(retry.getHeaderString("Retry-After")).isEqualTo("1");
        assertThat(retry.getEntity()).asString().contains("NVENT-0279 an emit of event 'parcel.scanned' into run "
                + parcel + " with idempotency key 'scan-1' is under way");
        assertThat(refused.getStatus()).isEqualTo(409);
        assertThat(refused.getHeaderString("Retry-After")).as("no retry helps").isNull();
        assertThat(refused.getEntity()).asString().contains("NVENT-0589 outcome unknown");
    }

    @Test
    void aPublishWithTwoKeysIs400AndSaysNothingWasDelivered() {
        String refund = awaiting("refund");

        ContainerResponse twice = api().requestWithBody("POST", "events/refund.approved", "{}",
                "Idempotency-Key", "approval-7", "Idempotency-Key", "approval-8");

        assertThat(twice.getStatus()).isEqualTo(400);
        assertThat(twice.getEntity()).asString().contains("NVENT-0771 the Idempotency-Key header is given 2 times")
                .contains("repeat; the request did nothing: no run was started, no event delivered\"");
        assertThat(engine.flows().run(refund).orElseThrow().status()).isEqualTo(RunStatus.AWAITING);
    }

    @Test
    void aKeyedPublishWhoseSecondTriggerFailedToStartIs503AndItsRetryAnswersBothRunsStartingOnlyTheMissingOne() {
        try (EmbeddedEngine failing = EmbeddedEngine.newBuilder().step(new Send()).step(new Track())
                .store(secondRunFailingOnce(MemoryAdapters.store())).build()) {
            for (String trigger : List.of("notify-sender", "notify-recipient")) {
                failing.triggers().create(TriggerSpec.newBuilder(trigger, TriggerType.EVENT).event("parcel.lost")
                        .flow("parcel").build());
            }
            InProcessApi api = InProcessApi.of(failing.flows(), EventsResource.class);

            ContainerResponse first = api.requestWithBody("POST", "events/parcel.lost", "{\"parcel\":7}",
                    "Idempotency-Key", "loss-7");
            ContainerResponse retry = api.requestWithBody("POST", "events/parcel.lost", "{\"parcel\":7}",
                    "Idempotency-Key", "loss-7");

            assertThat(first.getStatus()).as("the key freed for the retry").isEqualTo(503);
            assertThat(first.getHeaderString("Retry-After")).isNotNull();
            assertThat(first.getEntity()).asString().contains("NVENT-0732 nvent's adapter 'memory store' cannot reach"
                    + " its backend");
            assertThat(retry.getStatus()).isEqualTo(200);
            assertThat(retry.getHeaderString("Idempotent-Replayed")).isNull();
            List<String> runs = failing.flows().runs(RunQuery.all()).stream().map(RunInfo::runId).toList();
            assertThat(runs).as("one run per trigger").hasSize(2);
            assertThat(parse(retry).asJsonObject().getJsonArray("startedRuns").getValuesAs(JsonString::getString))
                    .containsExactlyInAnyOrderElementsOf(runs);
        }
    }

    /** {@code store}, but its second run created fails once, as a database gone for a moment does. */
    private static FlowStore secondRunFailingOnce(FlowStore store) {
        AtomicInteger created = new AtomicInteger();
        return (FlowStore) Proxy.newProxyInstance(FlowStore.class.getClassLoader(), new Class<?>[] {FlowStore.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("createRun") && created.incrementAndGet() == 2) {
                        throw new AdapterUnavailableException("memory store", "gone for a moment", null);
                    }
                    try {
                        return method.invoke(store, args);
                    } catch (InvocationTargetException failed) {
                        throw failed.getCause();
                    }
                });
    }

    /** The engine's flows, but an emit or publish with options is refused with {@code refusal}. */
    private FlowService refusingKeyedCalls(RuntimeException refusal) {
        return (FlowService) Proxy.newProxyInstance(FlowService.class.getClassLoader(),
                new Class<?>[] {FlowService.class}, (proxy, method, args) -> {
                    if (method.getName().equals("actingAs")) {
                        return proxy;   // the operator's record is the engine's, tested there
                    }
                    if (args != null && args.length > 0 && args[args.length - 1] instanceof EventOptions) {
                        throw refusal;
                    }
                    try {
                        return method.invoke(engine.flows(), args);
                    } catch (InvocationTargetException failed) {
                        throw failed.getCause();
                    }
                });
    }

    private String awaiting(String flow) {
        String runId = engine.flows().start(flow, Map.of());
        await().atMost(Duration.ofSeconds(10)).until(() -> engine.flows().run(runId).orElseThrow().status()
                == RunStatus.AWAITING);
        return runId;
    }

    private InProcessApi api() {
        return InProcessApi.of(engine.flows(), RunsResource.class, EventsResource.class);
    }

    private static JsonValue parse(ContainerResponse response) {
        return parse((String) response.getEntity());
    }

    private static JsonValue parse(String json) {
        return Json.createReader(new StringReader(json)).readValue();
    }
}
