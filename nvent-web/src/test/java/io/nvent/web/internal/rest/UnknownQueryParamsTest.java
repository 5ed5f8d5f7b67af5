package io.nvent.web.internal.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nvent.ClearedHistory;
import io.nvent.FlowService;
import io.nvent.FlowStats;
import io.nvent.cdi.VirtualClock;
import jakarta.ws.rs.core.MultivaluedHashMap;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.UriInfo;
import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A request refuses a query parameter it does not take, and one given twice, before it asks the engine
 * anything: {@code DELETE /flows/{flow}/runs?status=failed} deleted every finished run of the flow, and
 * {@code GET /runs?stauts=failed} listed every run.
 */
class UnknownQueryParamsTest {

    /** What the engine was asked. */
    private final List<String> asked = new ArrayList<>();
    private final FlowService engine = (FlowService) Proxy.newProxyInstance(getClass().getClassLoader(),
            new Class<?>[] {FlowService.class}, (proxy, method, args) -> {
                if (method.getName().equals("actingAs")) {
                    return proxy;   // the operator's record is the engine's, tested there
                }
                asked.add(method.getName());
                return switch (method.getName()) {
                    case "clearHistory" -> new ClearedHistory(7, FlowStats.empty((String) args[0]));
                    case "stats" -> FlowStats.empty((String) args[0]);
                    case "runs" -> List.of();
                    default -> throw new UnsupportedOperationException(method.getName());
                };
            });

    @Test
    void clearingAFlowsHistoryWithAFilterItDoesNotTakeDeletesNothing() {
        FlowsResource flows = new FlowsResource();
        flows.flows = engine;
        flows.clock = VirtualClock.startingAt(Instant.parse("2026-12-03T16:00:00Z"));

        assertThatThrownBy(() -> flows.clearHistory("order", null, uri("status", "failed"), null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("NVENT-0775 query parameter \'status\' is not one this request takes (limit, reason)");
        assertThatThrownBy(() -> flows.clearHistory("order", "1", uri("endedBefore", "2026-12-01T00:00:00Z", "limit", "1"), null, null))
                .hasMessageStartingWith("NVENT-0775 query parameter \'endedBefore\' is not one");
        assertThatThrownBy(() -> flows.clearHistory("order", "1", uri("limit", "1", "limit", "100000"), null, null))
                .hasMessage("NVENT-0775 query parameter \'limit\' is given 2 times ([1, 100000]); give it once");
        assertThat(asked).isEmpty();

        assertThat(flows.clearHistory("order", null, uri(), null, null)).contains("\"deleted\":7");
        assertThat(asked).containsExactly("clearHistory");
    }

    @Test
    void theRunListRefusesAMisspeltFilterAndARepeatedLimit() {
        RunsResource runs = new RunsResource();
        runs.flows = engine;

        assertThatThrownBy(() -> runs.list(null, null, null, null, null, null, null, null, null, uri("stauts", "failed")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("NVENT-0775 query parameter \'stauts\' is not one this request takes (flow, status, offset, "
                        + "limit, after, parent, idempotencyKey, label, descendants)");
        assertThatThrownBy(() -> runs.list(null, null, null, "3", null, null, null, null, null, uri("limit", "3", "limit", "1000")))
                .hasMessage("NVENT-0775 query parameter \'limit\' is given 2 times ([3, 1000]); give it once");
        assertThatThrownBy(() -> runs.list(null, null, null, "3", null, null, null, null, null, uri("limit", "3", "limit", "abc")))
                .hasMessageStartingWith("NVENT-0775 query parameter \'limit\' is given 2 times");
        assertThat(asked).isEmpty();
    }

    /** A request's URI with these query parameters, as name, value, name, value …. */
    private static UriInfo uri(String... nameValues) {
        MultivaluedMap<String, String> query = new MultivaluedHashMap<>();
        for (int i = 0; i < nameValues.length; i += 2) {
            query.add(nameValues[i], nameValues[i + 1]);
        }
        return (UriInfo) Proxy.newProxyInstance(UnknownQueryParamsTest.class.getClassLoader(),
                new Class<?>[] {UriInfo.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getQueryParameters" -> query;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }
}
