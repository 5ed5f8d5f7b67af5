package io.nvent.cdi.internal.engine;

import io.nvent.AwaitAfter;
import io.nvent.AwaitType;
import io.nvent.EventQuery;
import io.nvent.EventType;
import io.nvent.FlowStep;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.TimeoutAction;
import io.nvent.testkit.LogRecorder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.LogRecord;
import java.util.logging.SimpleFormatter;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** An outage that fails many runs logs a few of them in full and sums up the rest per minute. */
class FinalFailureLogTest {

    @FlowStep(flow = "checkout", name = "charge", role = StepRole.ENTRY)
    static class PartnerAway implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            throw new IllegalStateException("payment partner away");
        }
    }

    @FlowStep(flow = "payout", name = "transfer", role = StepRole.ENTRY)
    @AwaitAfter(type = AwaitType.WEBHOOK, timeoutMs = 60_000, timeoutAction = TimeoutAction.FAIL)
    static class AwaitsTheBank implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            return "sent";
        }
    }

    private static final SimpleFormatter FORMAT = new SimpleFormatter();

    private static List<String> lines(LogRecorder log) {
        return log.records().stream().map(FORMAT::formatMessage).toList();
    }

    @Test
    void aStepThatFailsForGoodAtItsAwaitIsLoggedAsOneThatUsedUpItsAttempts() {
        try (LogRecorder log = LogRecorder.recordingInfoOf(FlowEngine.class);
             EngineHarness h = new EngineHarness(new AwaitsTheBank())) {
            String runId = h.engine.start("payout", null);
            h.awaitStatus(runId, RunStatus.AWAITING);

            h.clock.advance(Duration.ofSeconds(61));
            h.sweep();

            h.awaitStatus(runId, RunStatus.FAILED);
            assertThat(lines(log)).filteredOn(line -> line.startsWith("NVENT-0128")).singleElement()
                    .isEqualTo("NVENT-0128 run " + runId + " of flow payout: step transfer failed for good at its "
                            + "after-await: await webhook after step 'transfer' timed out after 61000 ms");
        }
    }

    @Test
    void theFirstRunsOfAFlowAndStepInAMinuteAreLoggedInFullAndTheOthersInOneLineOnceTheMinuteIsOver() {
        try (LogRecorder log = LogRecorder.recordingInfoOf(FlowEngine.class);
             EngineHarness h = new EngineHarness(new PartnerAway())) {
            List<String> runs = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                runs.add(h.engine.start("checkout", null));
            }
            runs.forEach(run -> h.awaitStatus(run, RunStatus.FAILED));

            assertThat(lines(log)).filteredOn(line -> line.startsWith("NVENT-0128")).hasSize(FinalFailureLog.IN_FULL)
                    .allSatisfy(line -> assertThat(line).contains("of flow checkout: step charge failed for good",
                            "payment partner away"));
            h.sweep();
            assertThat(lines(log)).as("within the minute, the others are held back")
                    .noneMatch(line -> line.startsWith("NVENT-0196"));

            h.clock.advance(FinalFailureLog.WINDOW);
            h.sweep();

            assertThat(lines(log)).filteredOn(line -> line.startsWith("NVENT-0196")).singleElement()
                    .satisfies(line -> assertThat(line).startsWith("NVENT-0196 and 7 more run(s) of flow checkout step"
                            + " charge failed for good in the minute since ").contains("with: ", "payment partner away"));
            assertThat(runs).as("each run's history keeps its failure").allSatisfy(run -> assertThat(
                    h.engine.events(run, EventQuery.all())).anyMatch(e -> e.type() == EventType.STEP_FAILED));

            String next = h.engine.start("checkout", null);
            h.awaitStatus(next, RunStatus.FAILED);
            await().atMost(Duration.ofSeconds(10)).until(() -> lines(log).stream()
                    .filter(line -> line.startsWith("NVENT-0128")).count() == FinalFailureLog.IN_FULL + 1);
        }
    }
}
