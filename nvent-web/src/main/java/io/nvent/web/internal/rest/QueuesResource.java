package io.nvent.web.internal.rest;

import jakarta.json.spi.JsonProvider;
import io.nvent.FlowService;
import io.nvent.RunInfo;
import io.nvent.StepStatus;
import io.nvent.cdi.QueueControls;
import io.nvent.spi.JobCounts;
import io.nvent.spi.JobQueue;
import io.nvent.spi.JobRecord;
import io.nvent.spi.JobState;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonValue;
import jakarta.ws.rs.ClientErrorException;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.core.Response;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Queues and their jobs: counts, pause/resume, jobs by state, one job with its attempts, retry or
 * discard of a failed job, and redrive of a queue's dead letters.
 *
 * <p>A failed job of a flow step is retried through {@link FlowService#retryStep}, so the run
 * resumes too; any other job through {@link JobQueue#retry}.
 */
@ApplicationScoped
@Path("queues")
@Produces(MediaType.APPLICATION_JSON)
public class QueuesResource {

    private static final JsonProvider JSON = Representations.JSON;


    private static final System.Logger LOG = System.getLogger(QueuesResource.class.getName());
    private static final int REDRIVE_PAGE = 500;

    @Inject
    FlowService flows;
    @Inject
    JobQueue queue;
    @Inject
    QueueControls controls;
    @Inject
    Clock clock;

    @GET
    public String list() {
        JsonArrayBuilder all = JSON.createArrayBuilder();
        Set<String> names = Queues.names(flows, queue);
        Representations.QueueReads reads = Representations.QueueReads.of(controls, queue, names); // one for all
        for (String name : names) {
            all.add(Representations.queue(queue, controls, name, clock.instant(), reads));
        }
        return all.build().toString();
    }

    @GET
    @Path("{queue}")
    public String get(@PathParam("queue") String name) {
        Queues.require(flows, queue, name);
        return Representations.queue(queue, controls, name, clock.instant()).toString();
    }

    /**
     * Who used the queue's rate limit lately: the groups (or the whole queue) with the most starts
     * within its span, most first, and when each may start next.
     *
     * @param limitParam at most this many groups (1 to 1,000; default 50)
     */
    @GET
    @Path("{queue}/rate-limit")
    public String rateLimit(@PathParam("queue") String name, @QueryParam("limit") String limitParam,
                            @Context UriInfo uri) {
        QueryParams.onlyKnown(uri, "limit");
        Queues.require(flows, queue, name);
        int limit = QueryParams.intWithin("limit", limitParam, 50, 1, 1000);
        JsonArrayBuilder groups = JSON.createArrayBuilder();
        controls.rateLimitUsage(name, limit).forEach(usage -> groups.add(JSON.createObjectBuilder()
                .add("group", usage.group().map(group -> (JsonValue) JSON.createValue(group)).orElse(JsonValue.NULL))
                .add("starts", usage.starts())
                .add("nextStartAt", usage.nextStartAt().map(at -> (JsonValue) JSON.createValue(at.toString()))
                        .orElse(JsonValue.NULL))));
        // The limit alone, not the queue's JSON: that reads who paused it and its workers, of no use here.
        return JSON.createObjectBuilder().add("queue", name)
                .add("rateLimit", Representations.rateLimit(controls.rateLimit(name)))
                .add("groups", groups).build().toString();
    }

    @POST
    @Path("{queue}/pause")
    public String pause(@PathParam("queue") String name,
                        @Context jakarta.ws.rs.core.SecurityContext security,
                        @QueryParam(Operators.REASON) String reason) {
        io.nvent.Operator operator = Operators.of(security, reason);
        // The controls refuse a queue they do not know, on the audit trail: a 404 then.
        Queues.act(flows, queue, name, () -> controls.knownQueuesOnly().actingAs(operator).pause(name));
        LOG.log(System.Logger.Level.INFO, "NVENT-0741 queue {0} paused", name);
        return get(name);
    }

    /**
     * Sets the queue's workers on every instance that takes it, in place of its configured
     * {@code nvent.queue.<name>.concurrency}, until a {@code DELETE}: body {@code {"workers": 2}}, 0 to
     * 1,000 (0: no instance starts its attempts; the queue is not paused). Every instance follows
     * within a few seconds; shrinking lets the attempts under way finish. A 501 (NVENT-0796) when the
     * queue adapter or the scheduling store cannot, a 400 (NVENT-0795) for a bad body; nothing changed then.
     */
    @PUT
    @Path("{queue}/concurrency")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response setWorkers(@PathParam("queue") String name, String body,
                               @Context jakarta.ws.rs.core.SecurityContext security,
                               @QueryParam(Operators.REASON) String reason) {
        io.nvent.Operator operator = Operators.of(security, reason);
        String range = "0.." + QueueControls.MAX_WORKERS;
        int workers = JsonFields.ofBody(body, "the queue's workers", "{\"workers\": 2}")
                .allowOnly(List.of("workers")).wholeNumber("workers", range)
                .orElseThrow(() -> new IllegalArgumentException("NVENT-0795 the queue's workers need \"workers\", a"
                        + " whole number within " + range + ", such as {\"workers\": 2}"));
        if (workers < 0 || workers > QueueControls.MAX_WORKERS) {
            throw new IllegalArgumentException("NVENT-0795 \"workers\" of queue '" + name + "' must be within "
                    + range + " (0 starts none of its attempts anywhere), was " + workers);
        }
        // The engine logs the change on each instance, and on the audit trail who made it (refused too).
        return changingWorkers(name, () -> controls.knownQueuesOnly().actingAs(operator).setWorkers(name, workers));
    }

    /** Removes the queue's workers set at run time: every instance runs its configured concurrency again. */
    @DELETE
    @Path("{queue}/concurrency")
    public Response removeWorkers(@PathParam("queue") String name,
                                  @Context jakarta.ws.rs.core.SecurityContext security,
                                  @QueryParam(Operators.REASON) String reason) {
        io.nvent.Operator operator = Operators.of(security, reason);
        return changingWorkers(name, () -> controls.knownQueuesOnly().actingAs(operator).removeWorkers(name));
    }

    /** A change of the queue's workers by the controls acting only on known queues: a 404 for another, as a pause's. */
    private Response changingWorkers(String name, Runnable change) {
        try {
            Queues.act(flows, queue, name, change);
        } catch (UnsupportedOperationException e) {
            return Problems.of(501, "Not supported by the queue adapter", "NVENT-0796 the workers of queue '" + name
                    + "' cannot be changed at run time here (" + e.getMessage() + ")");
        }
        return Response.ok(get(name), MediaType.APPLICATION_JSON).build();
    }

    @POST
    @Path("{queue}/resume")
    public String resume(@PathParam("queue") String name,
                         @Context jakarta.ws.rs.core.SecurityContext security,
                         @QueryParam(Operators.REASON) String reason) {
        io.nvent.Operator operator = Operators.of(security, reason);
        Queues.act(flows, queue, name, () -> controls.knownQueuesOnly().actingAs(operator).resume(name));
        LOG.log(System.Logger.Level.INFO, "NVENT-0742 queue {0} resumed", name);
        return get(name);
    }

    /**
     * Jobs of a queue in one state, newest first. When the page is full, a {@code Link: <...>; rel="next"}
     * header (and {@code next} in the body) points to the next one: the same list going on after the page's
     * last job ({@code after}, a cursor), which costs the same on every page and skips or repeats no job
     * while jobs come and go, where an {@code offset} (still taken, not with {@code after}) reads every job it
     * skips; a page read with an offset above 0 has no {@code next} (go on by offset from there).
     *
     * @param state {@code waiting}, {@code delayed}, {@code active}, {@code completed} or {@code failed}
     */
    @GET
    @Path("{queue}/jobs")
    public Response jobs(@PathParam("queue") String name, @QueryParam("state") String state,
                         @QueryParam("offset") String offsetParam, @QueryParam("limit") String limitParam,
                         @QueryParam("after") String afterParam, @Context UriInfo uri) {
        QueryParams.onlyKnown(uri, "state", "offset", "limit", "after");
        Queues.require(flows, queue, name);
        JobState jobState = QueryParams.optionalChoice("state", state, List.of(JobState.values()),
                s -> s.name().toLowerCase(Locale.ROOT)).orElse(JobState.FAILED);
        int offset = QueryParams.intWithin("offset", offsetParam, 0, 0, Integer.MAX_VALUE);
        int limit = QueryParams.intWithin("limit", limitParam, 50, 1, 1000);
        String stateName = jobState.name().toLowerCase(Locale.ROOT);
        Optional<String> after = JobCursors.parse("after", afterParam, name, stateName);
        if (after.isPresent() && offsetParam != null && !offsetParam.isBlank()) {
            throw new IllegalArgumentException("NVENT-1111 query parameters 'offset' (" + offsetParam + ") and 'after'"
                    + " page the job list of queue '" + name + "' two ways: give one, 'after' as a Link rel=\"next\""
                    + " header gave it, or 'offset' alone");
        }
        List<JobRecord> page;
        Optional<String> next;
        if (offset > 0) {
            // The jobs of an offset page carry no position to go on from: the client goes on by offset.
            page = queue.jobs(name, jobState, offset, limit);
            next = Optional.empty();
        } else {
            io.nvent.spi.JobPage read;
            try {
                read = queue.jobsAfter(name, jobState, after, limit);
            } catch (IllegalArgumentException refused) {
                throw new IllegalArgumentException("NVENT-1110 query parameter 'after' of the job list of queue '" + name
                        + "' refused (take it from a Link rel=\"next\" header of the list, or list the first page"
                        + " again): " + refused.getMessage(), refused);
            }
            page = read.jobs();
            next = read.next().map(position -> JobCursors.of(name, stateName, position));
        }
        JsonArrayBuilder jobs = JSON.createArrayBuilder();
        page.forEach(job -> jobs.add(Representations.jobSummary(job)));
        String body = JSON.createObjectBuilder()
                .add("queue", name)
                .add("state", jobState.name().toLowerCase(Locale.ROOT))
                .add("total", queue.counts(name).of(jobState))
                .add("offset", offset)
                .add("limit", limit)
                .add("after", after.map(unused -> (JsonValue) JSON.createValue(afterParam.trim())).orElse(JsonValue.NULL))
                .add("next", next.map(cursor -> (JsonValue) JSON.createValue(cursor)).orElse(JsonValue.NULL))
                .add("jobs", jobs)
                .build().toString();
        Response.ResponseBuilder response = Response.ok(body, MediaType.APPLICATION_JSON);
        next.ifPresent(cursor -> response.link(uri.getRequestUriBuilder().replaceQueryParam("offset")
                .replaceQueryParam("after", cursor).build(), "next"));
        return response.build();
    }

    @GET
    @Path("{queue}/jobs/{jobId}")
    public String job(@PathParam("queue") String name, @PathParam("jobId") String jobId) {
        return Representations.jobDetail(find(name, jobId)).toString();
    }

    /**
     * Makes a failed job available again with a fresh set of attempts; 409 unless it has failed. A
     * job of a step whose run no longer needs it (the run ended, the step completed or went again
     * through a newer job) is discarded instead of running again: the answer says so.
     */
    @POST
    @Path("{queue}/jobs/{jobId}/retry")
    public String retry(@PathParam("queue") String name, @PathParam("jobId") String jobId,
                        @Context jakarta.ws.rs.core.SecurityContext security,
                        @QueryParam(Operators.REASON) String reason) {
        io.nvent.Operator operator = Operators.of(security, reason);
        JobRecord job = findFailed(name, jobId, "NVENT-0743", "retried");
        Redriven outcome = retry(flows.actingAs(operator), job);
        if (outcome == Redriven.NOT_FAILED) {
            throw noLongerFailed(jobId, "NVENT-0743", "retried");
        }
        if (outcome == Redriven.SUPERSEDED) {
            Operators.audit(operator, "retried job " + jobId + " of queue '" + name + "', discarded instead as its run"
                    + " no longer needs it");
            return JSON.createObjectBuilder().add("jobId", jobId).add("queue", name).add("state", "discarded")
                    .add("reason", "its run no longer needs it: " + supersededWhy(job)).build().toString();
        }
        LOG.log(System.Logger.Level.INFO, "NVENT-0744 job {0} of queue {1} retried", jobId, name);
        Operators.audit(operator, "retried job " + jobId + " of queue '" + name + "'");
        return Representations.jobDetail(find(name, jobId)).toString();
    }

    /**
     * Retries up to {@code limit} failed jobs (dead letters) of the queue, newest first, and says how
     * many are still failed. Each job of a step goes through {@link FlowService#retryStep}, one run
     * at a time, so a large backlog is redriven in several calls, each short enough for a request's
     * timeout and each showing progress (the console calls until none remain).
     *
     * @param limitParam at most this many jobs (1 to 5,000; default 500)
     */
    @POST
    @Path("{queue}/redrive")
    public String redrive(@PathParam("queue") String name, @QueryParam("limit") String limitParam,
                          @Context UriInfo uri, @Context jakarta.ws.rs.core.SecurityContext security,
                          @QueryParam(Operators.REASON) String reason) {
        QueryParams.onlyKnown(uri, "limit", Operators.REASON);
        io.nvent.Operator operator = Operators.of(security, reason);
        FlowService acting = flows.actingAs(operator);
        Queues.require(flows, queue, name);
        int limit = QueryParams.intWithin("limit", limitParam, REDRIVE_PAGE, 1, 5000);
        // A job may fail again, and be listed again, while this call still runs: each is tried once.
        Set<String> tried = new HashSet<>();
        int redriven = 0;
        int discarded = 0;
        int stillFailed = 0;
        while (redriven + discarded < limit) {
            int wanted = Math.min(REDRIVE_PAGE, limit - redriven - discarded);
            List<JobRecord> page = queue.jobs(name, JobState.FAILED, stillFailed, wanted);
            for (JobRecord job : page) {
                Redriven outcome = tried.add(job.jobId()) ? retry(acting, job) : Redriven.NOT_FAILED;
                switch (outcome) {
                    case RETRIED -> redriven++;
                    case SUPERSEDED -> discarded++;
                    default -> stillFailed++;
                }
            }
            if (page.size() < wanted) {
                break;
            }
        }
        JobCounts counts = queue.counts(name);
        LOG.log(System.Logger.Level.INFO, "NVENT-0745 redrove {0} failed jobs of queue {1} and discarded {2} that"
                + " their runs no longer need; {3} still failed", redriven, name, discarded, counts.failed());
        Operators.audit(operator, "redrove " + redriven + " failed job(s) of queue '" + name + "' and discarded "
                + discarded);
        return JSON.createObjectBuilder().add("queue", name).add("redriven", redriven).add("discarded", discarded)
                .add("remaining", counts.failed()).add("counts", Representations.counts(counts)).build().toString();
    }

    /**
     * Removes a failed job for good (it is no longer counted, listed or redriven); 409 unless it has
     * failed. The run of a step's job is not changed: its history keeps the failure.
     */
    @DELETE
    @Path("{queue}/jobs/{jobId}")
    public Response discard(@PathParam("queue") String name, @PathParam("jobId") String jobId,
                            @Context jakarta.ws.rs.core.SecurityContext security,
                            @QueryParam(Operators.REASON) String reason) {
        io.nvent.Operator operator = Operators.of(security, reason);
        findFailed(name, jobId, "NVENT-0748", "discarded");
        if (!queue.discard(name, jobId)) {
            throw noLongerFailed(jobId, "NVENT-0748", "discarded");
        }
        LOG.log(System.Logger.Level.INFO, "NVENT-0749 failed job {0} of queue {1} discarded", jobId, name);
        Operators.audit(operator, "discarded failed job " + jobId + " of queue '" + name + "'");
        return Response.noContent().build();
    }

    /** What retrying one failed job came to. */
    private enum Redriven {
        /** The job, or its failed step, goes again. */
        RETRIED,
        /** The job's run no longer needs it (see {@link #supersededWhy}): discarded. */
        SUPERSEDED,
        /** The job was no longer failed when it was to be retried. */
        NOT_FAILED
    }

    /**
     * Retries a failed job. A step's job resumes the run through {@link FlowService#retryStep} when
     * the step failed, which sends the job that ran the step last again: an older job of the step
     * stays failed, untouched, and is discarded, as is a job of a step that completed or of a run that
     * ended otherwise or was deleted. Run again, such a job would only run a step its run did not ask for. The job
     * sent again may have failed again already (a partner still down refuses at once): it is retried,
     * and stays failed with its new attempt, for the next retry.
     */
    private Redriven retry(FlowService acting, JobRecord job) {
        Optional<StepJobs.Ref> step = StepJobs.of(job);
        Optional<RunInfo> run = step.flatMap(ref -> flows.run(ref.runId()));
        if (run.isPresent()) {
            StepStatus status = run.get().steps().get(step.get().step());
            if (status == StepStatus.FAILED && run.get().status() != io.nvent.RunStatus.CANCELED) {
                acting.retryStep(step.get().runId(), step.get().step());
                return untouched(job) ? discardSuperseded(job) : Redriven.RETRIED;
            }
            if (status == StepStatus.COMPLETED || run.get().status().isTerminal()) {
                return discardSuperseded(job);
            }
        } else if (step.isPresent()) {
            // Its run was deleted: run again, the job would find nothing to run.
            return discardSuperseded(job);
        }
        return queue.retry(job.queue(), job.jobId()) ? Redriven.RETRIED : Redriven.NOT_FAILED;
    }

    /**
     * Whether the failed job is still as it was read before its step was retried: the retry sent another job. One
     * the retry sent is no longer so even when it has failed again since (it shows the new attempt, and when it
     * was made available again), and is kept.
     */
    private boolean untouched(JobRecord job) {
        return queue.job(job.queue(), job.jobId()).filter(job::equals).isPresent();
    }

    private Redriven discardSuperseded(JobRecord job) {
        if (!queue.discard(job.queue(), job.jobId())) {
            return Redriven.NOT_FAILED;
        }
        LOG.log(System.Logger.Level.INFO, "NVENT-0753 failed job {0} of queue {1} discarded instead of retried: {2}",
                job.jobId(), job.queue(), supersededWhy(job));
        return Redriven.SUPERSEDED;
    }

    /** Why a step's failed job is no longer needed by its run, in words. */
    private String supersededWhy(JobRecord job) {
        StepJobs.Ref ref = StepJobs.of(job).orElseThrow();
        return flows.run(ref.runId()).map(run -> "step '" + ref.step() + "' of run " + ref.runId() + " is "
                + Optional.ofNullable(run.steps().get(ref.step())).map(StepStatus::wireName).orElse("not started")
                + " and the run " + run.status().wireName()).orElse("run " + ref.runId() + " is gone");
    }

    /** The job, which must have failed to be {@code done} (409 otherwise). */
    private JobRecord findFailed(String name, String jobId, String messageId, String done) {
        JobRecord job = find(name, jobId);
        if (job.state() != JobState.FAILED) {
            throw new ClientErrorException(messageId + " job '" + jobId + "' is "
                    + job.state().name().toLowerCase(Locale.ROOT) + "; only failed jobs can be " + done,
                    Response.Status.CONFLICT);
        }
        return job;
    }

    /** A failed job that changed state while it was being {@code done}, e.g. retried from elsewhere. */
    private static ClientErrorException noLongerFailed(String jobId, String messageId, String done) {
        return new ClientErrorException(messageId + " job '" + jobId + "' could not be " + done
                + "; it is no longer failed", Response.Status.CONFLICT);
    }

    private JobRecord find(String name, String jobId) {
        Queues.require(flows, queue, name);
        return queue.job(name, jobId).orElseThrow(() -> new NotFoundException(
                "NVENT-0746 queue '" + name + "' has no job '" + jobId + "'"));
    }
}
