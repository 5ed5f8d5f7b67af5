package io.nvent.test;

import static org.assertj.core.api.Assertions.assertThat;

import io.nvent.EventQuery;
import io.nvent.EventType;
import io.nvent.FlowStep;
import io.nvent.HistoryEvent;
import io.nvent.Operator;
import io.nvent.StartOptions;
import io.nvent.StartedRun;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A test of an application's own operator screen sees who canceled a run, and why, as the console shows it. */
class ActingAsOperatorTest {

    /** Sends a reminder. */
    @FlowStep(flow = "reminder", name = "remind", role = StepRole.ENTRY)
    static class SendReminder implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void aRunCanceledActingAsAnOperatorNamesThemAndTheirReasonInItsCancelEntry() {
        try (FlowTestEnvironment env = FlowTestEnvironment.of(new SendReminder())) {
            StartedRun run = env.flows().start("reminder", Map.of("customerId", "C-1"),
                    StartOptions.delayed(Duration.ofDays(3)));

            env.flows().actingAs(Operator.named("alice").because("customer unsubscribed")).cancel(run.runId());

            HistoryEvent cancel = env.flows().events(run.runId(), EventQuery.all()).stream()
                    .filter(e -> e.type() == EventType.FLOW_CANCEL).findFirst().orElseThrow();
            assertThat(cancel.data()).contains("\"operator\":\"alice\"")
                    .contains("\"operatorReason\":\"customer unsubscribed\"");
        }
    }
}
