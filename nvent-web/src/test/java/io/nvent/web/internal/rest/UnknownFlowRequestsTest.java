package io.nvent.web.internal.rest;

import static org.assertj.core.api.Assertions.assertThat;

import io.nvent.FlowStep;
import io.nvent.StepRole;
import io.nvent.cdi.EmbeddedEngine;
import org.glassfish.jersey.server.ContainerResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A request naming a flow that is not deployed is answered 404 with the engine's message, as a start of it is: the
 * deployed flows named, and the one a typo away asked about.
 */
class UnknownFlowRequestsTest {

    /** Approves an expense. */
    @FlowStep(flow = "expense", name = "approve", role = StepRole.ENTRY)
    public static class Approve extends EngineOverRest.DoesNothing {
    }

    /** Bills an invoice. */
    @FlowStep(flow = "invoice", name = "bill", role = StepRole.ENTRY)
    public static class Bill extends EngineOverRest.DoesNothing {
    }

    @RegisterExtension
    final EngineOverRest rest = EngineOverRest.flows(EmbeddedEngine.newBuilder().step(new Approve()).step(new Bill()),
            RunsResource.class);
    private final InProcessApi api = rest.api;

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
