package io.nvent.web.internal.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nvent.BulkCancel;
import io.nvent.BulkResult;
import io.nvent.BulkRetry;
import io.nvent.BulkSkip;
import io.nvent.FlowNotFoundException;
import io.nvent.FlowService;
import io.nvent.RunPosition;
import io.nvent.RunStatus;
import jakarta.json.JsonObject;
import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /flows/{flow}/runs/retry-failed} and {@code /cancel} pass their query parameters to the
 * engine as one selection, answer what it did with the cursor to go on, and refuse a bad parameter
 * naming it before any run is touched.
 */
class BulkRunsResourceTest {

    private static final RunPosition LAST = new RunPosition(Instant.parse("2026-12-03T14:05:00Z"), "run-7");

    private final FlowsResource resource = new FlowsResource();
    /** What the engine was asked, and answers. */
    private final AtomicReference<Object> asked = new AtomicReference<>();
    private BulkResult answer = new BulkResult(3, 1, Map.of(BulkSkip.NO_LONGER_FAILED, 1), 1, Optional.of(LAST));

    @BeforeEach
    void anEngineWithTheFlowOrder() {
        resource.flows = (FlowService) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {FlowService.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "actingAs" -> proxy;   // the operator's record is the engine's, tested there
                    case "retryFailed", "cancelRuns" -> {
                        Object selection = args[0];
                        String flow = selection instanceof BulkRetry r ? r.flow() : ((BulkCancel) selection).flow();
                        if (!flow.equals("order")) {
                            throw new FlowNotFoundException(flow);
                        }
                        asked.set(selection);
                        yield answer;
                    }
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    @Test
    void aRetryTakesTheStepTheWindowTheLimitAndTheCursorAndAnswersTheCountsAndWhereToGoOn() {
        String cursor = RunCursors.of(new RunPosition(Instant.parse("2026-12-03T14:30:00Z"), "run-3"));

        JsonObject body = resource.retryFailedBody("order", "charge", "2026-12-03T14:00:00Z", "2026-12-03T15:00:00Z",
                "100", cursor);

        assertThat(asked.get()).isEqualTo(new BulkRetry("order", Optional.of("charge"),
                Optional.of(Instant.parse("2026-12-03T14:00:00Z")), Optional.of(Instant.parse("2026-12-03T15:00:00Z")),
                100, Optional.of(new RunPosition(Instant.parse("2026-12-03T14:30:00Z"), "run-3"))));
        assertThat(body.getString("flow")).isEqualTo("order");
        assertThat(body.getInt("matched")).isEqualTo(3);
        assertThat(body.getInt("acted")).isEqualTo(1);
        assertThat(body.getInt("skipped")).isEqualTo(1);
        assertThat(body.getJsonObject("skippedBy").getInt("no longer failed")).isEqualTo(1);
        assertThat(body.getInt("failed")).isEqualTo(1);
        assertThat(RunCursors.parse("after", body.getString("next"))).hasValue(LAST);
    }

    @Test
    void withoutParametersARetryTakesEveryFailedRunFiveHundredAtATimeAndTheLastPageHasNoNext() {
        answer = new BulkResult(2, 2, Map.of(), 0, Optional.empty());

        JsonObject body = resource.retryFailedBody("order", null, null, null, null, null);

        assertThat(asked.get()).isEqualTo(BulkRetry.ofFlow("order"));
        assertThat(body.containsKey("next")).isFalse();
        assertThat(body.getJsonObject("skippedBy")).isEmpty();
    }

    @Test
    void aCancelTakesTheActiveRunsUnlessToldWhichStatuses() {
        resource.cancelRunsBody("order", null, null, null, null, null, null, null);
        assertThat(((BulkCancel) asked.get()).statuses()).containsExactlyInAnyOrder(RunStatus.RUNNING,
                RunStatus.AWAITING);

        resource.cancelRunsBody("order", "Stalled, awaiting", null, "2026-12-03T15:00:00Z", "10", null, null, null);
        assertThat(asked.get()).isEqualTo(new BulkCancel("order", Set.of(RunStatus.STALLED, RunStatus.AWAITING),
                Optional.empty(), Optional.of(Instant.parse("2026-12-03T15:00:00Z")), 10, Optional.empty()));
    }

    @Test
    void aBadParameterIsRefusedNamingItAndNoRunIsTouched() {
        assertThatThrownBy(() -> resource.retryFailedBody("order", null, null, null, "501", null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("NVENT-0774 query parameter \'limit\' must be a whole number within 1..500; was '501'");
        assertThatThrownBy(() -> resource.retryFailedBody("order", null, "yesterday", null, null, null))
                .hasMessageStartingWith("NVENT-0774 query parameter \'from\' must be an ISO-8601 instant");
        assertThatThrownBy(() -> resource.cancelRunsBody("order", null, "2026-12-03T15:00:00Z", "2026-12-03T14:00:00Z",
                null, null, null, null))
                .hasMessageStartingWith("NVENT-0774 query parameter \'to\' must be after from (2026-12-03T15:00:00Z)");
        assertThatThrownBy(() -> resource.cancelRunsBody("order", "running,completed", null, null, null, null, null,
                null))
                .hasMessage("NVENT-0774 query parameter \'status\' must be one of running, awaiting, stalled, compensating; was 'completed'");
        assertThatThrownBy(() -> resource.cancelRunsBody("order", null, null, null, null, "not-a-cursor", null, null))
                .hasMessageStartingWith("NVENT-0774 query parameter \'after\' must be the cursor");
        assertThatThrownBy(() -> resource.cancelRunsBody("order", null, null, null, null, null, "yes", null))
                .hasMessage("NVENT-0774 query parameter 'children' must be one of true, false; was 'yes'");
        assertThatThrownBy(() -> resource.cancelRunsBody("order", null, null, null, null, null, null, "yes"))
                .hasMessage("NVENT-0774 query parameter 'compensate' must be one of true, false; was 'yes'");
        assertThat(asked.get()).isNull();
    }

    /** A bad cursor said it came from "the run list", which a bulk request never read. */
    @Test
    void aBadCursorIsRefusedNamingTheBulkRequestWhoseAnswerItComesFrom() {
        assertThatThrownBy(() -> resource.retryFailedBody("order", null, null, null, null, "not-a-cursor"))
                .hasMessage("NVENT-0774 query parameter 'after' must be the cursor of the next field (or Link"
                        + " rel=\"next\" header) of a POST /api/nvent/flows/order/runs/retry-failed answer; was"
                        + " 'not-a-cursor'");
        assertThatThrownBy(() -> resource.cancelRunsBody("order", null, null, null, null, "not-a-cursor", null, null))
                .hasMessageContaining("of a POST /api/nvent/flows/order/runs/cancel answer");
        assertThat(asked.get()).isNull();
    }

    @Test
    void aCancelWithCompensateAsksForTheRunsCompletedStepsToBeUndone() {
        resource.cancelRunsBody("order", null, null, null, null, null, null, "true");

        assertThat(asked.get()).isEqualTo(BulkCancel.ofFlow("order").withCompensation());
    }

    @Test
    void aCancelWithChildrenAsksForThemAndAnswersHowManyDescendantsWereCanceled() {
        answer = new BulkResult(2, 2, Map.of(), 0, Optional.empty(), 7);

        JsonObject body = resource.cancelRunsBody("order", null, null, null, null, null, "TRUE", null);

        assertThat(asked.get()).isEqualTo(BulkCancel.ofFlow("order").withChildren());
        assertThat(body.getInt("acted")).isEqualTo(2);
        assertThat(body.getInt("descendantsCanceled")).isEqualTo(7);
        resource.cancelRunsBody("order", null, null, null, null, null, "false", null);
        assertThat(asked.get()).isEqualTo(BulkCancel.ofFlow("order"));
    }

    @Test
    void aFlowThatIsNotDeployedIsNotFound() {
        assertThatThrownBy(() -> resource.retryFailedBody("nope", null, null, null, null, null))
                .isInstanceOf(FlowNotFoundException.class);
        assertThatThrownBy(() -> resource.cancelRunsBody("nope", null, null, null, null, null, null, null))
                .isInstanceOf(FlowNotFoundException.class);
    }
}
