package io.nvent.web.internal.rest;

import io.nvent.FlowService;
import io.nvent.FlowStep;
import io.nvent.RunQuery;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.UnsupportedByAdapterException;
import io.nvent.cdi.EmbeddedEngine;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import java.io.StringReader;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.glassfish.jersey.server.ContainerResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A start gives its run labels with {@code ?label=} (once per label), the run shows them, and
 * {@code GET /runs?label=} lists the runs carrying one; a label the API refuses is a 400 saying why.
 */
class RunLabelRequestsTest {

    /** Bills an invoice. */
    @FlowStep(flow = "invoice", name = "bill", role = StepRole.ENTRY)
    public static class Bill implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            return "billed";
        }
    }

    private final EmbeddedEngine engine = EmbeddedEngine.newBuilder().step(new Bill()).build();
    private final InProcessApi api = InProcessApi.withFlowsResource(engine.flows(), RunsResource.class);

    @AfterEach
    void closeEngine() {
        engine.close();
    }

    @Test
    void aStartsLabelsAreShownOnItsRunAndTheRunIsListedByEach() {
        String tagged = started(api.requestWithBody("POST", "flows/invoice/runs?label=vip&label=customer%3Aacme"
                + "&label=vip", "{}"));
        String plain = started(api.requestWithBody("POST", "flows/invoice/runs", "{}"));

        assertThat(labelsOf(object(api.get("runs/" + tagged)))).isEqualTo("customer:acme,vip");
        assertThat(object(api.get("runs/" + plain)).containsKey("labels")).isFalse();
        assertThat(runIds(api.get("runs?label=vip"))).containsExactly(tagged);
        assertThat(runIds(api.get("runs?flow=invoice&label=customer%3Aacme"))).containsExactly(tagged);
        assertThat(labelsOf(array(api.get("runs?label=vip")).getJsonObject(0))).isEqualTo("customer:acme,vip");
        assertThat(runIds(api.get("runs?label=other"))).isEmpty();
        assertThat(runIds(api.get("runs?label="))).as("an empty label filters nothing").hasSize(2);
    }

    @Test
    void aLabelTheApiRefusesIsA400NamingTheParameterAndStartsNoRun() {
        ContainerResponse padded = api.requestWithBody("POST", "flows/invoice/runs?label=%20vip", "{}");
        ContainerResponse tooMany = api.requestWithBody("POST", "flows/invoice/runs?" + IntStream.range(0, 11)
                .mapToObj(i -> "label=l" + i).collect(Collectors.joining("&")), "{}");

        assertThat(padded.getStatus()).isEqualTo(400);
        assertThat(padded.getEntity()).asString().contains("NVENT-0727 query parameter 'label' refused: NVENT-0286 a"
                + " label must not begin or end with white space, was ' vip'").contains("no run was started");
        assertThat(tooMany.getStatus()).isEqualTo(400);
        assertThat(tooMany.getEntity()).asString().contains("NVENT-0727", "NVENT-0287 a run carries at most 10 labels");
        assertThat(runIds(api.get("runs"))).isEmpty();
    }

    @Test
    void aKeyedStartRepeatedWithOtherLabelsIsA422NamingBothAndWithTheSameLabelsInAnyOrderGetsTheFirstRun() {
        ContainerResponse first = api.requestWithBody("POST", "flows/invoice/runs?label=vip&label=customer%3Aacme",
                "{}", "Idempotency-Key", "inv-7");
        String runId = started(first);

        ContainerResponse otherLabels = api.requestWithBody("POST", "flows/invoice/runs?label=vip", "{}",
                "Idempotency-Key", "inv-7");
        ContainerResponse sameLabels = api.requestWithBody("POST", "flows/invoice/runs?label=customer%3Aacme&label=vip",
                "{}", "Idempotency-Key", "inv-7");

        assertThat(otherLabels.getStatus()).isEqualTo(422);
        assertThat(otherLabels.getEntity()).asString().contains("NVENT-0284 idempotency key 'inv-7' of flow 'invoice'"
                + " already started run " + runId + " with the same input and labels [customer:acme, vip]; this start"
                + " gives labels [vip]");
        assertThat(sameLabels.getStatus()).isEqualTo(200);
        assertThat(sameLabels.getEntity()).asString().contains(runId);
        assertThat(runIds(api.get("runs"))).containsExactly(runId);
    }

    @Test
    void aListAsksForOneLabelWhichTheApiChecks() {
        ContainerResponse padded = api.get("runs?label=vip%20");
        ContainerResponse twoLabels = api.get("runs?label=a&label=b");

        assertThat(padded.getStatus()).isEqualTo(400);
        assertThat(padded.getEntity()).asString().contains("NVENT-0728 query parameter 'label' refused: NVENT-0286");
        assertThat(twoLabels.getStatus()).isEqualTo(400);
        assertThat(twoLabels.getEntity()).asString().contains("NVENT-0775 query parameter 'label' is given 2 times");
    }

    @Test
    void aListByLabelThroughAStoreWithoutLabelsIsA501WithTheEnginesMessage() {
        FlowService withoutLabels = RefusingFlowService.refusing(engine.flows(), (method, args) ->
                method.getName().equals("runs") && ((RunQuery) args[0]).label().isPresent(),
                new UnsupportedByAdapterException("NVENT-0347 the store cannot list the runs of one label"));

        ContainerResponse answer = InProcessApi.of(withoutLabels, RunsResource.class).get("runs?label=vip");

        assertThat(answer.getStatus()).isEqualTo(501);
        assertThat(answer.getEntity()).asString().contains("NVENT-0347");
    }

    /** The id of the run a start answered with, which must have created it. */
    static String started(ContainerResponse response) {
        assertThat(response.getStatus()).as("%s", response.getEntity()).isEqualTo(201);
        return Representations.JSON.createReader(new StringReader(response.getEntity().toString())).readObject()
                .getString("runId");
    }

    /** The JSON object a request answered with, which must have succeeded. */
    static JsonObject object(ContainerResponse response) {
        assertThat(response.getStatus()).as("%s", response.getEntity()).isEqualTo(200);
        return Representations.JSON.createReader(new StringReader(response.getEntity().toString())).readObject();
    }

    private static JsonArray array(ContainerResponse response) {
        assertThat(response.getStatus()).as("%s", response.getEntity()).isEqualTo(200);
        return Representations.JSON.createReader(new StringReader(response.getEntity().toString())).readArray();
    }

    private static java.util.List<String> runIds(ContainerResponse response) {
        return array(response).stream().map(run -> run.asJsonObject().getString("runId")).toList();
    }

    private static String labelsOf(JsonObject run) {
        return run.getJsonArray("labels").getValuesAs(JsonString::getString).stream().collect(Collectors.joining(","));
    }
}
