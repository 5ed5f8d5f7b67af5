package io.nvent.web.internal.rest;

import jakarta.json.spi.JsonProvider;
import io.nvent.CancelOptions;
import io.nvent.CanceledRuns;
import io.nvent.EventOptions;
import io.nvent.EventQuery;
import io.nvent.EventType;
import io.nvent.FlowNotFoundException;
import io.nvent.FlowService;
import io.nvent.RestartOptions;
import io.nvent.RunNotFoundException;
import io.nvent.RunPosition;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import io.nvent.StartOptions;
import io.nvent.StartedRun;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonArray;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import io.nvent.RunInfo;
import jakarta.json.JsonObjectBuilder;
import jakarta.ws.rs.ClientErrorException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import jakarta.ws.rs.core.UriInfo;
import java.util.List;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/** Runs: listing, detail, history, deletion, and the actions cancel, restart, rerun from a step, retry a step, emit. */
@ApplicationScoped
@Path("runs")
@Produces(MediaType.APPLICATION_JSON)
public class RunsResource {

    private static final JsonProvider JSON = Representations.JSON;
    /** The longest run id a store keeps ({@link RunQuery#withParentRunId}). */
    private static final int MAX_RUN_ID_LENGTH = 255;
    /** The most runs a page of the list counts the descendants of ({@code descendants=true}). */
    static final int MAX_LIMIT_WITH_DESCENDANTS = 100;


    @Inject
    FlowService flows;

    /**
     * Runs, newest first; with {@code parent}, only the runs that run started (its child runs); with
     * {@code label}, only the runs carrying that label. When
     * the page is full, a {@code Link: <...>; rel="next"} header points to the next one: the same query
     * going on after the page's last run ({@code after}, a cursor), which costs the same on every page,
     * where an {@code offset} (still taken) reads every run it skips. With {@code descendants=true} (since 0.2)
     * each run carries the counts of the runs below it ({@link #descendantsBody}): one count of the store per run
     * listed, so at most {@value #MAX_LIMIT_WITH_DESCENDANTS} a page.
     */
    @GET
    public Response list(@QueryParam("flow") String flow, @QueryParam("status") String status,
                         @QueryParam("offset") String offsetParam, @QueryParam("limit") String limitParam,
                         @QueryParam("after") String after, @QueryParam("parent") String parent,
                         @QueryParam("idempotencyKey") String idempotencyKey, @QueryParam("label") String label,
                         @QueryParam("descendants") String descendants, @Context UriInfo uri) {
        RunQuery query = withLabel(query(flow, status, offsetParam, limitParam, after, parent, uri), label);
        boolean withDescendants = QueryParams.choice("descendants", descendants, "false", "true", "false")
                .equals("true");
        if (withDescendants && query.limit() > MAX_LIMIT_WITH_DESCENDANTS) {
            throw new IllegalArgumentException("NVENT-1108 query parameter 'limit' must be at most "
                    + MAX_LIMIT_WITH_DESCENDANTS + " with descendants=true, which counts the runs below each run"
                    + " listed; was " + query.limit() + ": page with the cursor of the Link header instead");
        }
        List<RunInfo> page = page(query, idempotencyKey);
        JsonArray body = listBody(page);
        if (withDescendants) {
            JsonArrayBuilder counted = JSON.createArrayBuilder();
            for (int i = 0; i < page.size(); i++) {
                JsonObjectBuilder run = JSON.createObjectBuilder(body.getJsonObject(i));
                try {
                    run.add("descendants", descendantsBody(flows.descendants(page.get(i).runId())));
                } catch (RunNotFoundException deletedSinceListed) {
                    // deleted between the page and its count: listed as read, without counts, not a 404 for the page
                }
                counted.add(run);
            }
            body = counted.build();
        }
        Response.ResponseBuilder response = Response.ok(body.toString(), MediaType.APPLICATION_JSON);
        if (page.size() == query.limit()) {
            String next = RunCursors.of(RunPosition.of(page.get(page.size() - 1)));
            response.link(uri.getRequestUriBuilder().replaceQueryParam("offset").replaceQueryParam("after", next)
                    .build(), "next");
        }
        return response.build();
    }

    /** The query {@link #list} answers, its parameters checked. */
    static RunQuery query(String flow, String status, String offsetParam, String limitParam, String after,
                          String parent, UriInfo uri) {
        QueryParams.onlyKnown(uri, "flow", "status", "offset", "limit", "after", "parent", "idempotencyKey", "label",
                "descendants");
        int offset = QueryParams.intWithin("offset", offsetParam, 0, 0, Integer.MAX_VALUE);
        int limit = QueryParams.intWithin("limit", limitParam, 50, 1, 1000);
        Optional<String> parentRunId = Optional.ofNullable(parent).filter(p -> !p.isBlank());
        if (parentRunId.filter(p -> p.length() > MAX_RUN_ID_LENGTH).isPresent()) {
            throw QueryParams.invalid("parent", parent, "a run id (at most " + MAX_RUN_ID_LENGTH + " characters)");
        }
        RunQuery query = new RunQuery(Optional.ofNullable(flow).filter(f -> !f.isBlank()),
                QueryParams.optionalChoice("status", status, List.of(RunStatus.values()), RunStatus::wireName),
                offset, limit, RunCursors.parse("after", after));
        return parentRunId.map(query::withParentRunId).orElse(query);
    }

    /**
     * The query restricted to a label's runs ({@code ?label=}, checked as {@link RunQuery#withLabel} checks it: a 400
     * saying what is wrong, {@code NVENT-0728}); an empty one filters nothing, as an empty {@code flow} does.
     */
    static RunQuery withLabel(RunQuery query, String label) {
        if (label == null || label.isEmpty()) {
            return query;
        }
        try {
            return query.withLabel(label);
        } catch (IllegalArgumentException refused) {
            throw new IllegalArgumentException("NVENT-0728 query parameter 'label' refused: " + refused.getMessage(),
                    refused);
        }
    }

    /** The runs {@link #list} shows for a query: one page, or the run the key started. */
    List<RunInfo> page(RunQuery query, String idempotencyKey) {
        List<RunInfo> page = idempotencyKey == null ? flows.runs(query) : keyed(query, idempotencyKey);
        if (page.isEmpty() && query.offset() == 0 && query.after().isEmpty() && query.status().isEmpty()
                && query.parentRunId().isEmpty() && query.label().isEmpty() && query.flow().isPresent()
                && flows.flow(query.flow().get()).isEmpty()) {
            // Runs of a flow no longer deployed are still listed; a name that is neither is a typo. With a
            // status, a parent or a label, an empty page says nothing of the flow's other runs: no check then.
            throw new NotFoundException("NVENT-0755 no flow '" + query.flow().get() + "' is deployed, and no run of"
                    + " it is stored" + suggestion(query.flow().get()));
        }
        return page;
    }

    /** Which deployed flow an unknown name may mean, and which are deployed, as a start of it is told. */
    private String suggestion(String flow) {
        try {
            flows.deployedFlow(flow);
            return "";   // deployed since the page was read
        } catch (FlowNotFoundException unknown) {
            return unknown.suggestion();
        }
    }

    /** The list's body: each run as {@link Representations#run} shows it, its error and key with it. */
    static JsonArray listBody(List<RunInfo> page) {
        JsonArrayBuilder runs = JSON.createArrayBuilder();
        page.forEach(run -> runs.add(Representations.run(run)));
        return runs.build();
    }

    /** The run a keyed start of the flow created, if the query's other filters take it: a page of none or one. */
    private List<RunInfo> keyed(RunQuery query, String idempotencyKey) {
        if (query.flow().isEmpty()) {
            throw new IllegalArgumentException("NVENT-0756 idempotencyKey needs flow: keys are per flow");
        }
        StartOptions.idempotent(idempotencyKey);   // the same checks as a start's key: a 400 saying what is wrong
        return flows.runByIdempotencyKey(query.flow().get(), idempotencyKey).stream()
                .filter(run -> query.status().map(run.status()::equals).orElse(true))
                .filter(run -> query.parentRunId().map(parent -> run.parentRunId().equals(Optional.of(parent)))
                        .orElse(true))
                .filter(run -> query.label().map(run.labels()::contains).orElse(true))
                .filter(run -> query.after().map(RunPosition.of(run)::isListedAfter).orElse(true))
                .skip(query.offset()).limit(query.limit()).toList();
    }

    @GET
    @Path("{runId}")
    public String get(@PathParam("runId") String runId) {
        RunInfo run = flows.run(runId).orElseThrow(() -> new RunNotFoundException(runId));
        JsonArrayBuilder waits = JSON.createArrayBuilder();
        if (!run.status().isTerminal()) {
            flows.waits(runId).forEach(wait -> waits.add(Representations.wait(wait)));
        }
        return JSON.createObjectBuilder(Representations.run(run)).add("waits", waits).build().toString();
    }

    /**
     * The runs below the run, at any depth, counted by how far they got (since 0.2): one count of the store, a second
     * only for a tree of {@link io.nvent.spi.FlowStore#DESCENDANT_DEPTH_LIMIT} runs or more. 404 for an unknown run,
     * 501 where the flow store counts no descendant runs (the engine says so).
     */
    @GET
    @Path("{runId}/descendants")
    public String descendants(@PathParam("runId") String runId, @Context UriInfo uri) {
        QueryParams.onlyKnown(uri);
        return JSON.createObjectBuilder().add("runId", runId).addAll(JSON.createObjectBuilder(
                descendantsBody(flows.descendants(runId)))).build().toString();
    }

    /**
     * The counts of a run's descendants: {@code {"descendants","underWay","completed","failed","canceled",
     * "depthLimit","depthLimitReached"}}, and where the walk stopped at the limit a {@code detail} saying so
     * (NVENT-1107).
     */
    static JsonObject descendantsBody(io.nvent.DescendantRuns below) {
        JsonObjectBuilder body = JSON.createObjectBuilder().add("descendants", below.total())
                .add("underWay", below.underWay()).add("completed", below.completed()).add("failed", below.failed())
                .add("canceled", below.canceled()).add("depthLimit", io.nvent.spi.FlowStore.DESCENDANT_DEPTH_LIMIT)
                .add("depthLimitReached", below.depthLimitReached());
        if (below.depthLimitReached()) {
            body.add("detail", "NVENT-1107 the count of the runs below run " + below.runId() + " stopped at "
                    + io.nvent.spi.FlowStore.DESCENDANT_DEPTH_LIMIT + " generations below it"
                    + " (FlowStore.DESCENDANT_DEPTH_LIMIT): runs deeper below are not counted; ask for the"
                    + " descendants of a run further down to count them");
        }
        return body.build();
    }

    /**
     * Deletes a run that has ended (completed, failed, canceled) with its history and state: 204 (the
     * answer of a method without a body). A run under way is refused with 409 (cancel it first:
     * {@link io.nvent.IllegalRunTransitionException}), an unknown one with 404. No history entry can
     * record the deletion: the engine logs it, naming the signed-in user who asked.
     */
    @DELETE
    @Path("{runId}")
    public void delete(@PathParam("runId") String runId, @Context SecurityContext security,
                       @QueryParam(Operators.REASON) String reason) {
        Operators.acting(flows, security, reason).deleteRun(runId);
    }

    /**
     * The run's history in sequence order.
     *
     * @param after only entries after this sequence number: the last one seen, to page oldest first
     *     or catch up; with {@code desc} a lower bound, not a cursor
     * @param before only entries before this sequence number: the oldest one seen, to page newest first
     * @param limit page size (1..10000)
     * @param types comma-separated event types, e.g. {@code step.completed,log}
     * @param order {@code asc} (default) or {@code desc}: the oldest or the newest {@code limit} entries
     *     between the bounds
     */
    @GET
    @Path("{runId}/events")
    public String events(@PathParam("runId") String runId, @QueryParam("after") String after,
                         @QueryParam("before") String before, @QueryParam("limit") String limit,
                         @QueryParam("types") String types, @QueryParam("order") String order,
                         @Context UriInfo uri) {
        QueryParams.onlyKnown(uri, "after", "before", "limit", "types", "order");
        // Without 'before' no sequence number follows the largest: 'after' is refused naming its own bound.
        long afterSeq = QueryParams.longWithin("after", after, 0, 0, before == null ? Long.MAX_VALUE - 1 : Long.MAX_VALUE);
        long beforeSeq = QueryParams.longWithin("before", before, Long.MAX_VALUE, 1, Long.MAX_VALUE);
        if (beforeSeq <= afterSeq) {
            // Crossed bounds answered an empty page, which tells a client it has read the history to its end.
            throw new IllegalArgumentException("NVENT-0773 query parameter 'before' (" + beforeSeq + ") must be greater "
                    + "than 'after' (" + afterSeq + "): entries with after < seq < before are listed, and none is");
        }
        EventQuery query = new EventQuery(types(types), afterSeq, beforeSeq,
                QueryParams.intWithin("limit", limit, 1000, 1, EventQuery.MAX_LIMIT),
                QueryParams.choice("order", order, "asc", "asc", "desc").equals("desc"));
        JsonArrayBuilder events = JSON.createArrayBuilder();
        flows.events(runId, query).forEach(event -> events.add(Representations.event(event)));
        return events.build().toString();
    }

    /**
     * Cancels the run; with {@code children=true} (since 0.2) its descendants under way too, at most
     * {@value CancelOptions#MAX_LIMIT} per request, the answer saying how many and whether more remain; with
     * {@code compensate=true} (since 0.2) the run undoes its completed steps first ({@code "status":"compensating"}),
     * then ends canceled.
     */
    @POST
    @Path("{runId}/cancel")
    public String cancel(@PathParam("runId") String runId, @QueryParam("children") String children,
                         @QueryParam("compensate") String compensate, @Context UriInfo uri,
                         @Context SecurityContext security, @QueryParam(Operators.REASON) String reason) {
        QueryParams.onlyKnown(uri, "children", "compensate", Operators.REASON);
        return cancelBody(Operators.acting(flows, security, reason), runId, children, compensate).toString();
    }

    JsonObject cancelBody(String runId, String children, String compensate) {
        return cancelBody(flows, runId, children, compensate);
    }

    private static JsonObject cancelBody(FlowService flows, String runId, String children, String compensate) {
        CancelOptions options = CancelOptions.newBuilder()
                .children(QueryParams.choice("children", children, "false", "true", "false").equals("true"))
                .compensate(QueryParams.choice("compensate", compensate, "false", "true", "false").equals("true"))
                .build();
        CanceledRuns canceled = flows.cancel(runId, options);
        return JSON.createObjectBuilder().add("runId", runId).add("canceled", canceled.canceled())
                .add("status", flows.run(runId).orElseThrow(() -> new RunNotFoundException(runId)).status().wireName())
                .add("descendantsCanceled", canceled.descendantsCanceled())
                .add("moreDescendants", canceled.moreDescendants()).build();
    }

    /**
     * Starts a new run with the same input; an active original is canceled first. With an {@code Idempotency-Key},
     * a repeated request gets the run the first created (200), finishing what the first left undone if it
     * stopped halfway; a request refused for a key another request took (422) changed nothing.
     */
    @POST
    @Path("{runId}/restart")
    public Response restart(@PathParam("runId") String runId, @Context UriInfo uri,
                            @HeaderParam(StartRequests.IDEMPOTENCY_KEY) String idempotencyKey,
                            @Context SecurityContext security, @QueryParam(Operators.REASON) String reason) {
        StartedRun run = Operators.acting(flows, security, reason).restart(runId, StartRequests.restartOptions(idempotencyKey));
        return StartRequests.startedRun(uri, run, JSON.createObjectBuilder().add("runId", run.runId())
                .add("restartOf", runId));
    }

    /**
     * Starts a new run that executes the flow again from one step, keeping what came before it. With an
     * {@code Idempotency-Key}, a repeated request gets the run the first created (200).
     */
    @POST
    @Path("{runId}/steps/{step}/rerun")
    public Response rerun(@PathParam("runId") String runId, @PathParam("step") String step, @Context UriInfo uri,
                          @HeaderParam(StartRequests.IDEMPOTENCY_KEY) String idempotencyKey,
                          @Context SecurityContext security, @QueryParam(Operators.REASON) String reason) {
        FlowService acting = Operators.acting(flows, security, reason);
        requireStep(runId, step);
        RestartOptions options = StartRequests.restartOptions(idempotencyKey);
        StartedRun run;
        try {
            run = acting.rerunFrom(runId, step, options);
        } catch (IllegalArgumentException notPossible) {
            // The engine's reason (a subscription the run never emitted) has no id of its own.
            throw new ClientErrorException("NVENT-0765 " + notPossible.getMessage() + "; rerun from an earlier step, "
                    + "one whose subscriptions the run emitted, or restart the run (POST /api/nvent/runs/" + runId
                    + "/restart)", Response.Status.CONFLICT);
        }
        return StartRequests.startedRun(uri, run, JSON.createObjectBuilder().add("runId", run.runId())
                .add("rerunOf", runId).add("fromStep", step));
    }

    /** Retries a step that failed finally; the run goes back to running. 409 if it has not failed. */
    @POST
    @Path("{runId}/steps/{step}/retry")
    public String retry(@PathParam("runId") String runId, @PathParam("step") String step,
                        @Context SecurityContext security, @QueryParam(Operators.REASON) String reason) {
        FlowService acting = Operators.acting(flows, security, reason);
        requireStep(runId, step);
        acting.retryStep(runId, step);
        return get(runId);
    }

    /**
     * Emits an event into a run from outside, as if a step had emitted it; the body is its payload. With an
     * {@code Idempotency-Key}, a repeated request delivers nothing and gets the run as it is now with
     * {@code Idempotent-Replayed: true}; the same key with another event or payload is refused (422).
     */
    @POST
    @Path("{runId}/emit/{event}")
    @Consumes({MediaType.APPLICATION_JSON, MediaType.TEXT_PLAIN, MediaType.WILDCARD})
    public Response emit(@PathParam("runId") String runId, @PathParam("event") String event,
                         @HeaderParam(StartRequests.IDEMPOTENCY_KEY) String idempotencyKey, String body,
                         @Context SecurityContext security, @QueryParam(Operators.REASON) String reason) {
        EventOptions options = StartRequests.eventOptions(idempotencyKey);
        FlowService acting = Operators.acting(flows, security, reason);
        flows.run(runId).orElseThrow(() -> new RunNotFoundException(runId));
        Object payload = body == null || body.isBlank() ? null : JsonInput.parseBody(body, "payload of event '" + event + "'");
        boolean replayed = UnexpectedProblemMapper.checkedByTheEngine(() -> {
            if (options.idempotencyKey().isEmpty()) {
                acting.emit(runId, event, payload);
                return false;
            }
            return acting.emit(runId, event, payload, options).replayed();
        });
        return StartRequests.delivered(replayed, get(runId));
    }

    private void requireStep(String runId, String step) {
        RunInfo run = flows.run(runId).orElseThrow(() -> new RunNotFoundException(runId));
        boolean known = flows.flow(run.flow()).flatMap(f -> f.step(step)).isPresent();
        if (!known) {
            throw new NotFoundException("NVENT-0747 flow '" + run.flow() + "' of run '" + runId + "' has no step '"
                    + step + "'");
        }
    }

    /**
     * The event types of {@code ?types=}: all of them when it is absent or empty.
     *
     * @throws IllegalArgumentException ({@code NVENT-0766}) for an empty item ({@code types=,,}, {@code log,}),
     *     which listed every type as if the filter were absent: the caller meant some types and got all
     */
    private static Set<EventType> types(String value) {
        if (value == null || value.isBlank()) {
            return Set.of();
        }
        List<String> items = Arrays.stream(value.split(",", -1)).map(String::trim).toList();
        if (items.contains("")) {
            throw new IllegalArgumentException("NVENT-0766 query parameter 'types' has an empty item; was '" + value
                    + "': list event types separated by single commas (types=step.completed,log), or leave the "
                    + "parameter out for all types");
        }
        return items.stream()
                .map(t -> EventType.fromWireName(t).orElseThrow(() -> QueryParams.invalid("types", value,
                        "comma-separated event types (" + Arrays.stream(EventType.values()).map(EventType::wireName)
                                .collect(Collectors.joining(", ")) + "), and '" + t + "' is none")))
                .collect(Collectors.toSet());
    }
}
