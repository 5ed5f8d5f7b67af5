package io.nvent.web.internal.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.nvent.FlowDefinition;
import io.nvent.FlowNotFoundException;
import io.nvent.FlowService;
import io.nvent.FlowStats;
import io.nvent.RetryPolicy;
import io.nvent.RunStatus;
import io.nvent.StepDefinition;
import io.nvent.StepRole;
import io.nvent.cdi.NventConfig;
import io.nvent.cdi.VirtualClock;
import io.nvent.web.internal.stats.FlowCounts;
import jakarta.json.JsonObject;
import java.io.StringReader;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The flow list and statistics serve the latest shared count of the runs, saying when it was taken,
 * instead of counting the runs of every flow for every request.
 */
class FlowsResourceTest {

    private static final Instant START = Instant.parse("2026-12-03T16:00:00Z");

    private final VirtualClock clock = VirtualClock.startingAt(START);
    /** How often the store counted each flow's runs; each count finds one more completed run. */
    private final Map<String, AtomicInteger> counted = new ConcurrentHashMap<>();
    private final FlowsResource resource = new FlowsResource();
    private FlowCounts counts;

    @BeforeEach
    void twoFlowsAndAStatsIntervalOfASecond() {
        List<FlowDefinition> deployed = List.of(flow("order"), flow("refund"));
        resource.flows = (FlowService) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {FlowService.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "actingAs" -> proxy;   // the operator's record is the engine's, tested there
                    case "flows" -> deployed;
                    case "flow" -> deployed.stream().filter(f -> f.name().equals(args[0])).findFirst();
                    case "deployedFlow" -> InvocationHandler.invokeDefault(proxy, method, args);
                    case "stats" -> FlowStats.empty((String) args[0]).plus(RunStatus.COMPLETED,
                            counted.computeIfAbsent((String) args[0], f -> new AtomicInteger()).incrementAndGet());
                    case "startWithJson" -> throw ProblemMappingTest.thrownByTheEngine("flow '" + args[0]
                            + "' cannot start delayed: its entry step 'start' waits before it runs already (@AwaitBefore)");
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        counts = new FlowCounts(resource.flows, new NventConfig(key -> Optional.empty()), clock, Thread::new);
        resource.counts = counts;
        resource.clock = clock;
    }

    @AfterEach
    void stopCounting() {
        counts.stop();
    }

    @Test
    void manyRequestsForTheListAFlowAndItsStatisticsCountEachFlowsRunsOnce() {
        for (int request = 0; request < 20; request++) {
            resource.listBody();
            resource.flowBody("order");
            resource.statsBody("refund");
            clock.advance(Duration.ofMillis(10));
        }

        assertThat(counted).containsOnlyKeys("order", "refund");
        assertThat(counted.values()).extracting(AtomicInteger::get).containsOnly(1);
    }

    @Test
    void theStatisticsSayWhenTheyWereCounted() {
        JsonObject stats = json(resource.statsBody("order").value());

        assertThat(stats.getString("countedAt")).isEqualTo(START.toString());
        assertThat(stats.getInt("completed")).isEqualTo(1);
        assertThat(json(resource.flowBody("order").value()).getJsonObject("stats").getString("countedAt"))
                .isEqualTo(START.toString());
    }

    @Test
    void aRequestAfterTheIntervalGetsTheFiguresItHasAndTheNextRequestsTheNewCount() {
        resource.listBody();
        clock.advance(Duration.ofSeconds(3));

        var stale = resource.statsBody("order");
        assertThat(stale.countedAt()).isEqualTo(START);
        assertThat(stale.age(clock.instant())).isEqualTo(Duration.ofSeconds(3));

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(json(resource.statsBody("order").value()).getInt("completed")).isEqualTo(2));
        assertThat(resource.statsBody("order").countedAt()).isEqualTo(START.plusSeconds(3));
    }

    @Test
    void aFlowThatIsNotDeployedHasNoStatistics() {
        assertThatThrownBy(() -> resource.statsBody("nope")).isInstanceOf(FlowNotFoundException.class);
        assertThatThrownBy(() -> resource.flowBody("nope")).isInstanceOf(FlowNotFoundException.class);
    }

    private static FlowDefinition flow(String name) {
        return new FlowDefinition(name, List.of(new StepDefinition("start", StepRole.ENTRY, name, List.of(), List.of(),
                RetryPolicy.NO_RETRY, Duration.ofMinutes(1), 0, "com.acme.Start", Optional.empty(), Optional.empty())));
    }

    private static JsonObject json(String text) {
        return Representations.JSON.createReader(new StringReader(text)).readObject();
    }

    /** The engine kept the last of two values of a member: the run started with "B", the sender's "A" lost. */
    @Test
    void aStartWhoseInputGivesAMemberTwiceIsRefusedBeforeTheEngineIsAsked() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> resource.start("order",
                        "{\"id\":\"A\",\"item\":\"book\",\"id\":\"B\"}", noQuery(), null, null, null, null, null, null, null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("NVENT-0780 the input of flow 'order' gives the member \"id\" twice; give each member once");
    }

    /**
     * The engine refuses what the request asked of it (a delayed start of a flow whose entry step waits already):
     * the caller's refusal, with an id, where an IllegalArgumentException the engine throws otherwise is a bug.
     */
    @Test
    void aStartTheEngineRefusesForItsArgumentsIsTheCallersRefusalWithAnId() {
        assertThatThrownBy(() -> resource.start("order", "{}", noQuery(), null, "PT1M", null, null, null, null, null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("NVENT-0769 the request was refused: flow 'order' cannot start delayed: its entry step "
                        + "'start' waits before it runs already (@AwaitBefore)");
    }

    private jakarta.ws.rs.core.UriInfo noQuery() {
        return (jakarta.ws.rs.core.UriInfo) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {jakarta.ws.rs.core.UriInfo.class},
                (proxy, method, args) -> new jakarta.ws.rs.core.MultivaluedHashMap<String, String>());
    }
}
