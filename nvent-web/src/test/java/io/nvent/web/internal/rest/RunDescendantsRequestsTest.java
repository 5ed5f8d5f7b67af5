package io.nvent.web.internal.rest;

import static org.assertj.core.api.Assertions.assertThat;

import io.nvent.EventType;
import io.nvent.FlowStep;
import io.nvent.RunStatus;
import io.nvent.StepRole;
import io.nvent.cdi.EmbeddedEngine;
import io.nvent.cdi.MemoryAdapters;
import io.nvent.spi.EventDraft;
import io.nvent.spi.FlowStore;
import io.nvent.spi.RunChange;
import io.nvent.spi.RunRecord;
import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import java.io.StringReader;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.glassfish.jersey.server.ContainerResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code GET /runs/{runId}/descendants}: the runs below a run, at any depth, counted by status; and
 * {@code GET /runs?parent=…&descendants=true}: a run's children, each with the counts of the runs below it (the
 * console's <em>Runs below</em> panel).
 */
class RunDescendantsRequestsTest {

    /** Starts a campaign; the runs below it are stored by the test. */
    @FlowStep(flow = "campaign", name = "plan", role = StepRole.ENTRY)
    public static class Plan extends EngineOverRest.DoesNothing {
    }

    private static final Instant T0 = Instant.parse("2026-12-01T08:00:00Z");
    private final AtomicInteger started = new AtomicInteger();
    private final FlowStore store = MemoryAdapters.store();
    @RegisterExtension
    final EngineOverRest rest = EngineOverRest.flows(EmbeddedEngine.newBuilder().step(new Plan()).store(store),
            RunsResource.class);
    private final EmbeddedEngine engine = rest.engine;
    private final InProcessApi api = rest.api;

    @Test
    void countsEveryRunBelowARunByStatusAndListsItsChildrenEachWithTheRunsBelowIt() {
        String campaign = run("campaign", null, RunStatus.RUNNING);
        String north = run("segment", campaign, RunStatus.COMPLETED);
        String south = run("segment", campaign, RunStatus.RUNNING);
        run("mail", north, RunStatus.COMPLETED);
        run("mail", north, RunStatus.FAILED);
        String retried = run("mail", south, RunStatus.CANCELED);
        run("receipt", retried, RunStatus.AWAITING);

        JsonObject counts = json(api.get("runs/" + campaign + "/descendants")).asJsonObject();
        assertThat(counts.toString()).isEqualTo("{\"runId\":\"" + campaign + "\",\"descendants\":6,\"underWay\":2,"
                + "\"completed\":2,\"failed\":1,\"canceled\":1,\"depthLimit\":" + FlowStore.DESCENDANT_DEPTH_LIMIT
                + ",\"depthLimitReached\":false}");

        JsonArray children = json(api.get("runs?parent=" + campaign + "&descendants=true")).asJsonArray();
        assertThat(children.getValuesAs(JsonObject.class)).extracting(child -> child.getString("runId") + " "
                        + child.getString("status") + " " + child.getJsonObject("descendants").getInt("descendants")
                        + " below, " + child.getJsonObject("descendants").getInt("underWay") + " under way")
                .containsExactlyInAnyOrder(north + " completed 2 below, 0 under way",
                        south + " running 2 below, 1 under way");
        assertThat(json(api.get("runs?parent=" + campaign)).asJsonArray().getJsonObject(0).containsKey("descendants"))
                .as("only when asked for: each count is a store call").isFalse();
    }

    @Test
    void aRunWithoutChildrenHasNoneBelowAnUnknownRunIsA404AndAPageOfDescendantsIsBounded() {
        String lone = run("campaign", null, RunStatus.COMPLETED);

        assertThat(json(api.get("runs/" + lone + "/descendants")).asJsonObject().getInt("descendants")).isZero();
        ContainerResponse unknown = api.get("runs/no-such-run/descendants");
        assertThat(unknown.getStatus()).isEqualTo(404);
        assertThat(unknown.getEntity()).asString().contains("no-such-run");
        ContainerResponse tooMany = api.get("runs?parent=" + lone + "&descendants=true&limit=101");
        assertThat(tooMany.getStatus()).isEqualTo(400);
        assertThat(tooMany.getEntity()).asString().contains("NVENT-1108 query parameter 'limit' must be at most 100"
                + " with descendants=true");
        assertThat(api.get("runs/" + lone + "/descendants?depth=3").getStatus()).as("a parameter it does not take")
                .isEqualTo(400);
    }

    @Test
    void saysSoWhenTheCountStoppedAtTheDepthLimit() {
        String root = run("campaign", null, RunStatus.RUNNING);
        String parent = root;
        for (int depth = 1; depth <= FlowStore.DESCENDANT_DEPTH_LIMIT; depth++) {
            parent = run("segment", parent, RunStatus.COMPLETED);
        }
        JsonObject atTheLimit = json(api.get("runs/" + root + "/descendants")).asJsonObject();
        assertThat(atTheLimit.getBoolean("depthLimitReached")).as("a run at the limit is counted").isFalse();

        String deeper = run("mail", parent, RunStatus.RUNNING);
        JsonObject beyond = json(api.get("runs/" + root + "/descendants")).asJsonObject();
        assertThat(beyond.getInt("descendants")).as("run %s is not counted", deeper)
                .isEqualTo(FlowStore.DESCENDANT_DEPTH_LIMIT);
        assertThat(beyond.getBoolean("depthLimitReached")).isTrue();
        assertThat(beyond.getString("detail")).startsWith("NVENT-1107 the count of the runs below run " + root
                + " stopped at 1000 generations below it");
    }

    @Test
    void aStoreThatCountsNoDescendantsIsA501SayingWhatToDoInstead() {
        FlowStore countsNone = storeAnswering((method, args, stored) ->
                method.getName().equals("countsDescendantRuns") ? false : stored.answer());
        String lone = run("campaign", null, RunStatus.RUNNING);
        try (EmbeddedEngine older = EmbeddedEngine.newBuilder().step(new Plan()).store(countsNone).build()) {
            ContainerResponse refused = InProcessApi.withFlowsResource(older.flows(), RunsResource.class)
                    .get("runs/" + lone + "/descendants");

            assertThat(refused.getStatus()).isEqualTo(501);
            assertThat(refused.getEntity()).asString().contains("NVENT-0463 the runs below run " + lone
                    + " cannot be counted", "GET /api/nvent/runs?parent=" + lone);
        }
    }

    /**
     * A child deleted (retention, an operator) between the page of children and its count answered the whole page
     * 404 "run not found", naming a run the operator never asked for; the page now lists it without counts.
     */
    @Test
    void aChildDeletedBetweenThePageAndItsCountIsListedWithoutCountsInsteadOfAnswering404() {
        String campaign = run("campaign", null, RunStatus.RUNNING);
        String kept = run("segment", campaign, RunStatus.COMPLETED);
        String deleted = run("segment", campaign, RunStatus.COMPLETED);
        run("mail", kept, RunStatus.COMPLETED);
        java.util.concurrent.atomic.AtomicBoolean gone = new java.util.concurrent.atomic.AtomicBoolean();
        FlowStore deletesAfterListing = storeAnswering((method, args, stored) -> {
            Object answer = stored.answer();
            if (method.getName().equals("findRuns") && ((io.nvent.RunQuery) args[0]).parentRunId()
                    .equals(Optional.of(campaign)) && !gone.getAndSet(true)) {
                engine.flows().deleteRun(deleted); // an operator, right after the page was read
            }
            return answer;
        });
        try (EmbeddedEngine racing = EmbeddedEngine.newBuilder().step(new Plan()).store(deletesAfterListing).build()) {
            JsonArray children = json(InProcessApi.withFlowsResource(racing.flows(), RunsResource.class)
                    .get("runs?parent=" + campaign + "&descendants=true")).asJsonArray();

            assertThat(children.getValuesAs(JsonObject.class)).extracting(child -> child.getString("runId") + " "
                            + (child.containsKey("descendants")
                            ? child.getJsonObject("descendants").getInt("descendants") + " below" : "gone"))
                    .containsExactlyInAnyOrder(kept + " 1 below", deleted + " gone");
        }
    }

    /** What the test's store answers a call. */
    private interface Stored {
        Object answer() throws Throwable;
    }

    /** How a store the test wraps answers a call: by the method, its arguments and what the test's store answers. */
    private interface Answering {
        Object answer(java.lang.reflect.Method method, Object[] args, Stored stored) throws Throwable;
    }

    /** The test's store, as a store that answers each call through {@code answering}. */
    private FlowStore storeAnswering(Answering answering) {
        return (FlowStore) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {FlowStore.class}, (proxy, method, args) -> answering.answer(method, args, () -> {
                    try {
                        return method.invoke(store, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                }));
    }

    private String run(String flow, String parent, RunStatus status) {
        String runId = flow + "-" + started.incrementAndGet();
        RunRecord run = RunRecord.started(runId, flow, "{}", Optional.ofNullable(parent),
                T0.plusSeconds(started.get()));
        store.createRun(run, List.of(EventDraft.ofRun(EventType.FLOW_START, run.startedAt(), run.input())));
        if (status != RunStatus.RUNNING) {
            store.updateRun(runId, current -> Optional.of(new RunChange(current.withStatus(status,
                    T0.plusSeconds(3600)), List.of())));
        }
        return runId;
    }

    private static jakarta.json.JsonValue json(ContainerResponse response) {
        assertThat(response.getStatus()).as("%s", response.getEntity()).isEqualTo(200);
        return Json.createReader(new StringReader((String) response.getEntity())).readValue();
    }
}
