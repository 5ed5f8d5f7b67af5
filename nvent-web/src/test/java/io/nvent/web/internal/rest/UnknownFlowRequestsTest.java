package io.nvent.web.internal.rest;

import static org.assertj.core.api.Assertions.assertThat;

import io.nvent.FlowStep;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.cdi.EmbeddedEngine;
import org.glassfish.jersey.server.ContainerResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A request naming a flow that is not deployed is answered 404 with the engine's message, as a start of it is: the
 * deployed flows named, and the one a typo away asked about.
 */
class UnknownFlowRequestsTest {

    /** Approves an expense. */
    @FlowStep(flow = "expense", name = "approve", role = StepRole.ENTRY)
    public static class Approve implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            return "approved";
        }
    }

    /** Bills an invoice. */
    @FlowStep(flow = "invoice", name = "bill", role = StepRole.ENTRY)
    public static class Bill implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            return "billed";
        }
    }

    private final EmbeddedEngine engine = EmbeddedEngine.newBuilder().step(new Approve()).step(new Bill()).build();
    private final InProcessApi api = InProcessApi.withFlowsResource(engine.flows(), RunsResource.class);

    @AfterEach
    void closeEngine() {
        engine.close();
    }

    @Test
    void aFlowItsGraphAndItsStatisticsOfAMisspeltFlowAnswerWhichFlowWasMeantAsAStartDoes() {
        String started = api.requestWithBody("POST", "flows/expnse/runs", "{}").getEntity().toString();

        for (String path : new String[] {"flows/expnse", "flows/expnse/graph", "flows/expnse/stats"}) {
            ContainerResponse answer = api.get(path);

            assertThat(answer.getStatus()).as(path).isEqualTo(404);
            assertThat(answer.getEntity()).asString().as(path)
                    .contains("NVENT-0201 no flow named 'expnse' is registered; did you mean 'expense'?; deployed "
                            + "flows: expense, invoice");
        }
        assertThat(started).contains("did you mean 'expense'?; deployed flows: expense, invoice");
    }

    @Test
    void aNameNoFlowIsATypoAwayFromNamesTheDeployedFlowsWithoutAGuess() {
        ContainerResponse answer = api.get("flows/payroll/graph");

        assertThat(answer.getStatus()).isEqualTo(404);
        assertThat(answer.getEntity()).asString()
                .contains("NVENT-0201 no flow named 'payroll' is registered; deployed flows: expense, invoice")
                .doesNotContain("did you mean");
    }

    @Test
    void theRunsOfAMisspeltFlowAnswerWhichFlowWasMeantAndKeepTheirOwnMessage() {
        ContainerResponse answer = api.get("runs?flow=expnse");

        assertThat(answer.getStatus()).isEqualTo(404);
        assertThat(answer.getEntity()).asString().contains("NVENT-0755 no flow 'expnse' is deployed, and no run of it"
                + " is stored; did you mean 'expense'?; deployed flows: expense, invoice");
    }
}
