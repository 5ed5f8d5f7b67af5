package io.nvent.web.internal.rest;

import io.nvent.BulkCancel;
import io.nvent.BulkResult;
import io.nvent.BulkRetry;
import io.nvent.ClearedHistory;
import io.nvent.FlowDefinition;
import io.nvent.FlowService;
import io.nvent.FlowStats;
import io.nvent.RunInfo;
import io.nvent.RunNotFoundException;
import io.nvent.RunPosition;
import io.nvent.RunStatus;
import io.nvent.StartOptions;
import io.nvent.StartedRun;
import io.nvent.web.internal.stats.FlowCounts;
import io.nvent.web.internal.stats.SharedCount.Counted;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.spi.JsonProvider;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The flow registry, flow graphs and statistics, starting runs, and retrying or canceling many of a
 * flow's runs at once. The run counts of the registry and the statistics are the latest shared count
 * ({@link FlowCounts}), never counted for the request: the answer says when they were counted
 * ({@code countedAt}, and their age in seconds in {@code Age}).
 */
@ApplicationScoped
@Path("flows")
@Produces(MediaType.APPLICATION_JSON)
public class FlowsResource {

    private static final JsonProvider JSON = Representations.JSON;
    /**
     * Finished runs a clear of the history deletes per request by default, and at most: at the rate QA
     * measured (54,549 runs in 90 s, before the JPA store read its chunks through an index), 1,000 take
     * under 2 s and 10,000 under 17 s, within the 60 s a reverse proxy commonly allows.
     */
    private static final int CLEAR_LIMIT = 1_000;
    private static final int MAX_CLEAR_LIMIT = 10_000;

    @Inject
    FlowService flows;
    @Inject
    FlowCounts counts;
    @Inject
    Clock clock;

    @GET
    public Response list() {
        return withAge(listBody());
    }

    @GET
    @Path("{flow}")
    public Response get(@PathParam("flow") String name) {
        return withAge(flowBody(name));
    }

    @GET
    @Path("{flow}/stats")
    public Response stats(@PathParam("flow") String name) {
        return withAge(statsBody(name));
    }

    Counted<String> listBody() {
        Counted<Map<String, FlowStats>> counted = counts.all();
        JsonArrayBuilder all = JSON.createArrayBuilder();
        for (FlowDefinition flow : flows.flows()) {
            FlowStats stats = counted.value().getOrDefault(flow.name(), FlowStats.empty(flow.name()));
            all.add(Representations.flow(flow, new Counted<>(stats, counted.countedAt())));
        }
        return new Counted<>(all.build().toString(), counted.countedAt());
    }

    Counted<String> flowBody(String name) {
        FlowDefinition flow = flows.deployedFlow(name);
        Counted<FlowStats> stats = counts.of(name);
        return new Counted<>(Representations.flow(flow, stats).toString(), stats.countedAt());
    }

    Counted<String> statsBody(String name) {
        Counted<FlowStats> stats = counts.of(name);
        return new Counted<>(Representations.stats(stats).toString(), stats.countedAt());
    }

    /** The answer with the age of its counts in whole seconds, as HTTP caches say it. */
    private Response withAge(Counted<String> body) {
        return Response.ok(body.value()).header("Age", body.age(clock.instant()).toSeconds()).build();
    }

    /**
     * The flow as a layered graph of steps and event edges, for drawing; with {@code runId},
     * each step carries its status in that run.
     */
    @GET
    @Path("{flow}/graph")
    public String graph(@PathParam("flow") String name, @QueryParam("runId") String runId, @Context UriInfo uri) {
        QueryParams.onlyKnown(uri, "runId");
        FlowDefinition flow = flows.deployedFlow(name);
        Optional<RunInfo> run = Optional.empty();
        if (runId != null && !runId.isBlank()) {
            RunInfo found = flows.run(runId).orElseThrow(() -> new RunNotFoundException(runId));
            if (!found.flow().equals(name)) {
                throw QueryParams.invalid("runId", runId, "a run of flow '" + name + "', and it is a run of flow '"
                        + found.flow() + "'");
            }
            run = Optional.of(found);
        }
        return Representations.graph(flow, run).toString();
    }

    /**
     * Starts a run; the body is the entry step's input (any JSON value, or empty for null). Each {@code label}
     * parameter gives the run a label ({@link StartOptions#labels()}); {@code timeout}, an ISO-8601 duration, how long
     * the run may take ({@link StartOptions#timeout()}), over the flow's own.
     */
    @POST
    @Path("{flow}/runs")
    @Consumes({MediaType.APPLICATION_JSON, MediaType.TEXT_PLAIN, MediaType.WILDCARD})
    public Response start(@PathParam("flow") String name, String body, @Context UriInfo uri,
                          @HeaderParam(StartRequests.IDEMPOTENCY_KEY) String idempotencyKey,
                          @QueryParam("delay") String delay, @QueryParam("concurrencyKey") String concurrencyKey,
                          @QueryParam("concurrencyLimit") String concurrencyLimit,
                          @QueryParam("label") List<String> labels, @QueryParam("timeout") String timeout,
                          @Context jakarta.ws.rs.core.SecurityContext security,
                          @QueryParam(Operators.REASON) String reason) {
        QueryParams.onlyKnownRepeating(uri, "label", "delay", "concurrencyKey", "concurrencyLimit", "timeout",
                Operators.REASON);
        FlowService acting = Operators.acting(flows, security, reason);
        String input = JsonInput.orWhenEmpty(body, "null");
        JsonInput.requireJson(input, "input of flow '" + name + "'");
        StartOptions options = StartRequests.withTimeout(StartRequests.withLabels(StartRequests.startOptions(
                idempotencyKey, QueryParams.optionalPositiveDuration("delay", delay),
                Optional.ofNullable(concurrencyKey), concurrencyLimit), labels), timeout);
        StartedRun run = UnexpectedProblemMapper.checkedByTheEngine(() -> acting.startWithJson(name, input, options));
        // A repeated request gets what the first got, but says that it created nothing this time.
        return StartRequests.startedRun(uri, run, JSON.createObjectBuilder().add("runId", run.runId()));
    }


    /**
     * Retries the failed steps of the flow's failed runs, at most {@code limit} runs (1..500, default
     * 500) newest first, optionally only those whose failed step is {@code step} and those started
     * within [{@code from}, {@code to}). While more runs may match, the answer's {@code next} and a
     * {@code Link: <...>; rel="next"} header go on after the last run this request worked through.
     */
    @POST
    @Path("{flow}/runs/retry-failed")
    public Response retryFailed(@PathParam("flow") String name, @QueryParam("step") String step,
                                @QueryParam("from") String from, @QueryParam("to") String to,
                                @QueryParam("limit") String limit, @QueryParam("after") String after,
                                @Context UriInfo uri, @Context jakarta.ws.rs.core.SecurityContext security,
                                @QueryParam(Operators.REASON) String reason, @Context HttpHeaders headers) {
        QueryParams.onlyKnown(uri, "step", "from", "to", "limit", "after", Operators.REASON);
        return bulkAnswer(retryFailedBody(Operators.acting(flows, security, reason), name, step, from, to, limit,
                after), uri, headers);
    }

    JsonObject retryFailedBody(String name, String step, String from, String to, String limit, String after) {
        return retryFailedBody(flows, name, step, from, to, limit, after);
    }

    private static JsonObject retryFailedBody(FlowService flows, String name, String step, String from, String to,
                                              String limit, String after) {
        Window window = Window.of(from, to);
        BulkRetry selection = new BulkRetry(name, Optional.ofNullable(step).filter(s -> !s.isBlank()).map(String::trim),
                window.from(), window.to(), bulkLimit(limit, BulkRetry.MAX_LIMIT),
                bulkCursor(after, name, "retry-failed"));
        return Representations.bulkResult(name,
                UnexpectedProblemMapper.checkedByTheEngine(() -> flows.retryFailed(selection)));
    }

    /**
     * Cancels the flow's runs in the given statuses ({@code status}: comma-separated running, awaiting,
     * stalled; default running,awaiting), at most {@code limit} runs (1..500, default 500) newest first,
     * optionally only those started within [{@code from}, {@code to}); paged as {@link #retryFailed}. With
     * {@code children=true} (since 0.2) each run's descendants under way are canceled with it, at most 10,000 per
     * request: one that stops there answers {@code next}, the run whose descendants remain, and the request after it
     * goes on with them. With {@code compensate=true} (since 0.2) each run undoes its completed steps before it ends
     * canceled.
     */
    @POST
    @Path("{flow}/runs/cancel")
    public Response cancelRuns(@PathParam("flow") String name, @QueryParam("status") String status,
                               @QueryParam("from") String from, @QueryParam("to") String to,
                               @QueryParam("limit") String limit, @QueryParam("after") String after,
                               @QueryParam("children") String children, @QueryParam("compensate") String compensate,
                               @Context UriInfo uri, @Context jakarta.ws.rs.core.SecurityContext security,
                               @QueryParam(Operators.REASON) String reason, @Context HttpHeaders headers) {
        QueryParams.onlyKnown(uri, "status", "from", "to", "limit", "after", "children", "compensate",
                Operators.REASON);
        return bulkAnswer(cancelRunsBody(Operators.acting(flows, security, reason), name, status, from, to, limit,
                after, children, compensate), uri, headers);
    }

    JsonObject cancelRunsBody(String name, String status, String from, String to, String limit, String after,
                              String children, String compensate) {
        return cancelRunsBody(flows, name, status, from, to, limit, after, children, compensate);
    }

    private static JsonObject cancelRunsBody(FlowService flows, String name, String status, String from, String to,
                                             String limit, String after, String children, String compensate) {
        Window window = Window.of(from, to);
        BulkCancel selection = new BulkCancel(name, cancelStatuses(status), window.from(), window.to(),
                bulkLimit(limit, BulkCancel.MAX_LIMIT), bulkCursor(after, name, "cancel"),
                QueryParams.choice("children", children, "false", "true", "false").equals("true"),
                QueryParams.choice("compensate", compensate, "false", "true", "false").equals("true"));
        BulkResult result = flows.cancelRuns(selection);
        return JSON.createObjectBuilder(Representations.bulkResult(name, result))
                .add("descendantsCanceled", result.descendantsCanceled()).build();
    }

    /** The {@code after} of a bulk request, refused naming the request whose answer gives it. */
    private static Optional<RunPosition> bulkCursor(String after, String flow, String action) {
        return RunCursors.parse("after", after, "the next field (or Link rel=\"next\" header) of a POST"
                + " /api/nvent/flows/" + flow + "/runs/" + action + " answer");
    }

    /** The runs' start window of a bulk request, {@code to} after {@code from}. */
    private record Window(Optional<Instant> from, Optional<Instant> to) {

        static Window of(String from, String to) {
            Window window = new Window(QueryParams.optionalInstant("from", from), QueryParams.optionalInstant("to", to));
            if (window.from().isPresent() && window.to().isPresent() && !window.to().get().isAfter(window.from().get())) {
                throw QueryParams.invalid("to", to, "after from (" + window.from().get()
                        + "): runs started within [from, to) are taken");
            }
            return window;
        }
    }

    private static int bulkLimit(String limit, int max) {
        return QueryParams.intWithin("limit", limit, max, 1, max);
    }

    private static Set<RunStatus> cancelStatuses(String value) {
        if (value == null || value.isBlank()) {
            return BulkCancel.ACTIVE;
        }
        List<RunStatus> cancelable = Arrays.stream(RunStatus.values()).filter(s -> !s.isTerminal()).toList();
        Set<RunStatus> statuses = EnumSet.noneOf(RunStatus.class);
        for (String one : value.split(",")) {
            QueryParams.optionalChoice("status", one, cancelable, RunStatus::wireName).ifPresent(statuses::add);
        }
        if (statuses.isEmpty()) {
            throw QueryParams.invalid("status", value, "one or more of running, awaiting, stalled, compensating, comma-separated");
        }
        return statuses;
    }

    /**
     * The answer, with a {@code Link rel="next"} to the same request going on after the page while more may match;
     * without the reason when it came in the {@value ReasonHeader#NAME} header (which put it in the query), where the
     * client sends it again, as a long one does not fit in a request line.
     */
    private static Response bulkAnswer(JsonObject body, UriInfo uri, HttpHeaders headers) {
        Response.ResponseBuilder response = Response.ok(body.toString(), MediaType.APPLICATION_JSON);
        if (body.containsKey("next")) {
            jakarta.ws.rs.core.UriBuilder next = uri.getRequestUriBuilder().replaceQueryParam("after", body.getString("next"));
            if (ReasonHeader.givesReason(headers.getHeaderString(ReasonHeader.NAME))) {
                next.replaceQueryParam(Operators.REASON);
            }
            response.link(next.build(), "next");
        }
        return response.build();
    }

    /**
     * Clears the flow's history a part at a time: deletes at most {@code limit} of its finished runs
     * (1..10,000, default 1,000; fewer once the engine has deleted for about 10 s) and answers how many it deleted and how many finished runs remain
     * ({@code remaining}), so that a client repeats it until none do; runs under way stay. One request
     * for a whole large history ran past a reverse proxy's timeout (54,549 runs, 90 s: the operator saw
     * an error and could not tell what had been deleted). It takes no filter, so one given (a status,
     * a time) is refused rather than deleting the runs it meant to keep.
     */
    @DELETE
    @Path("{flow}/runs")
    public String clearHistory(@PathParam("flow") String name, @QueryParam("limit") String limit,
                               @Context UriInfo uri, @Context jakarta.ws.rs.core.SecurityContext security,
                               @QueryParam(Operators.REASON) String reason) {
        QueryParams.onlyKnown(uri, "limit", Operators.REASON);
        ClearedHistory cleared = Operators.acting(flows, security, reason).clearHistory(name,
                QueryParams.intWithin("limit", limit, CLEAR_LIMIT, 1, MAX_CLEAR_LIMIT));
        // Counted for this answer: a clear is rare, and deletes more than a count reads.
        Counted<FlowStats> stats = new Counted<>(cleared.stats(), clock.instant());
        return JSON.createObjectBuilder().add("flow", name).add("deleted", cleared.deleted())
                .add("remaining", cleared.remaining()).add("stats", Representations.stats(stats)).build().toString();
    }
}
