package io.nvent.web.internal.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nvent.ClearedHistory;
import io.nvent.FlowNotFoundException;
import io.nvent.FlowService;
import io.nvent.FlowStats;
import io.nvent.RunStatus;
import io.nvent.cdi.VirtualClock;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.ws.rs.core.MultivaluedHashMap;
import jakarta.ws.rs.core.UriInfo;
import java.io.StringReader;
import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code DELETE /flows/{flow}/runs} deletes a bounded part of the flow's history per request and
 * answers how many finished runs remain, so that a client repeats it until none do: one request for
 * 54,549 runs took 90 s, past the reverse proxy's timeout.
 */
class ClearHistoryResourceTest {

    private final FlowsResource resource = new FlowsResource();
    /** The limit of each clear the engine was asked for. */
    private final List<Integer> asked = new ArrayList<>();
    /** The flow {@code order}: 2,345 finished runs and 3 under way. */
    private int finished = 2_345;

    @BeforeEach
    void aFlowWithALargeHistory() {
        resource.clock = VirtualClock.startingAt(Instant.parse("2026-12-04T02:00:00Z"));
        resource.flows = (FlowService) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {FlowService.class}, (proxy, method, args) -> {
                    if (method.getName().equals("actingAs")) {
                        return proxy;   // the operator's record is the engine's, tested there
                    }
                    if (!method.getName().equals("clearHistory") || args.length != 2) {
                        throw new UnsupportedOperationException(method.getName());
                    }
                    if (!args[0].equals("order")) {
                        throw new FlowNotFoundException((String) args[0]);
                    }
                    int limit = (Integer) args[1];
                    asked.add(limit);
                    int deleted = Math.min(limit, finished);
                    finished -= deleted;
                    return new ClearedHistory(deleted,
                            FlowStats.empty("order").plus(RunStatus.COMPLETED, finished).plus(RunStatus.RUNNING, 3));
                });
    }

    @Test
    void withoutALimitEachRequestDeletesAThousandAndSaysHowManyRemainUntilNoneDo() {
        List<JsonObject> answers = new ArrayList<>();
        do {
            answers.add(clear(null));
        } while (answers.get(answers.size() - 1).getJsonNumber("remaining").longValue() > 0);

        assertThat(asked).containsExactly(1_000, 1_000, 1_000);
        assertThat(answers).extracting(a -> a.getInt("deleted")).containsExactly(1_000, 1_000, 345);
        assertThat(answers).extracting(a -> a.getJsonNumber("remaining").longValue()).containsExactly(1_345L, 345L, 0L);
        JsonObject last = answers.get(2);
        assertThat(last.getString("flow")).isEqualTo("order");
        assertThat(last.getJsonObject("stats").getInt("running")).as("runs under way stay").isEqualTo(3);
        assertThat(last.getJsonObject("stats").getInt("completed")).isZero();
    }

    @Test
    void aLimitWithinOneToTenThousandBoundsTheRequest() {
        assertThat(clear("10000").getInt("deleted")).isEqualTo(2_345);
        assertThat(clear("1").getJsonNumber("remaining").longValue()).isZero();

        assertThat(asked).containsExactly(10_000, 1);
    }

    @Test
    void aLimitOutOfRangeOrNotANumberIsRefusedNamingItBeforeAnythingIsDeleted() {
        for (String limit : List.of("0", "-1", "10001", "all")) {
            assertThatThrownBy(() -> clear(limit)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("NVENT-0774 query parameter \'limit\' must be a whole number within 1..10000; was '" + limit + "'");
        }
        assertThat(asked).isEmpty();
        assertThat(finished).isEqualTo(2_345);
    }

    private JsonObject clear(String limit) {
        MultivaluedHashMap<String, String> query = new MultivaluedHashMap<>();
        if (limit != null) {
            query.add("limit", limit);
        }
        UriInfo uri = (UriInfo) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {UriInfo.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("getQueryParameters")) {
                        return query;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
        return Json.createReader(new StringReader(resource.clearHistory("order", limit, uri, null, null))).readObject();
    }
}
