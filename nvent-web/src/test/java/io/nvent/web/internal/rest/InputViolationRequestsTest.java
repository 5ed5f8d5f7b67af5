package io.nvent.web.internal.rest;

import io.nvent.FlowStep;
import io.nvent.RunQuery;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.cdi.EmbeddedEngine;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.validation.constraints.Email;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Positive;
import java.io.StringReader;
import org.glassfish.jersey.server.ContainerResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A start whose input breaks the Bean Validation constraints of the entry step's class is a 400 problem listing
 * each broken constraint in {@code violations}, and starts no run.
 */
class InputViolationRequestsTest {

    public record Order(@NotBlank String id, @Positive long amountCents, @Email String email) {
    }

    /** Takes an order. */
    @FlowStep(flow = "order", name = "take", role = StepRole.ENTRY)
    public static class Take implements Step<Order, String> {
        @Override
        public String execute(Order order, StepContext ctx) {
            return order.id();
        }
    }

    private final EmbeddedEngine engine = EmbeddedEngine.newBuilder().step(new Take()).build();
    private final InProcessApi api = InProcessApi.withFlowsResource(engine.flows(), RunsResource.class);

    @AfterEach
    void closeEngine() {
        engine.close();
    }

    @Test
    void aStartBreakingTheInputsConstraintsIsA400ListingEachViolationAndStartsNoRun() {
        ContainerResponse refused = api.requestWithBody("POST", "flows/order/runs",
                "{\"id\":\"A-1\",\"amountCents\":-5,\"email\":\"x\"}");

        assertThat(refused.getStatus()).isEqualTo(400);
        assertThat(refused.getMediaType()).hasToString("application/problem+json");
        JsonObject problem = Json.createReader(new StringReader((String) refused.getEntity())).readObject();
        assertThat(problem.getString("title")).isEqualTo("Invalid payload");
        assertThat(problem.getString("detail")).isEqualTo("NVENT-0204 input of flow 'order' for step 'take' is not "
                + "valid: amountCents must be greater than 0; email must be a well-formed email address");
        assertThat(problem.getJsonArray("violations")).hasToString("[{\"path\":\"amountCents\",\"message\":\"must be "
                + "greater than 0\",\"invalidValue\":-5},{\"path\":\"email\",\"message\":\"must be a well-formed email "
                + "address\",\"invalidValue\":\"x\"}]");
        assertThat(engine.flows().runs(RunQuery.all())).isEmpty();
    }

    @Test
    void anInputRefusedForAnotherReasonHasNoViolations() {
        ContainerResponse refused = api.requestWithBody("POST", "flows/order/runs", "[1]");

        assertThat(refused.getStatus()).isEqualTo(400);
        JsonObject problem = Json.createReader(new StringReader((String) refused.getEntity())).readObject();
        assertThat(problem.getString("detail")).contains("must be a JSON object");
        assertThat(problem.containsKey("violations")).isFalse();
    }
}
