package io.nvent.cdi.internal.engine;

import io.nvent.BackoffType;
import io.nvent.RetryPolicy;
import io.nvent.spi.JobExecution;
import io.nvent.spi.internal.RetrySchedule;
import jakarta.json.stream.JsonParser;
import java.io.StringReader;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The payload of a step's queue job: which step of which run to execute, and the version of the
 * run whose write queued it. The step input is read from the run when the job executes, so jobs
 * stay small and never carry stale data; the version tells the worker how recent a state of the
 * run it already holds must be to stand in for that read (see
 * {@link io.nvent.spi.FlowStore#recentRun}). Jobs queued before the version was recorded have none.
 * The job's terms let an instance whose deployment lacks the step hand the job back as it was
 * queued ({@link HandBack}); jobs queued before they were recorded have none. A job that runs a step
 * again after an attempt that did not count (handed back, queued again because the store could not
 * be reached or a rate limit allowed no start, recovered after a stall) carries the attempts the
 * step had used before it ({@code attemptsBefore}), so that the step goes on at the attempt it was
 * at, with the attempts it has left ({@link #asStepAttempt}, {@link #remainingRetry}). The {@code trace} is what
 * the {@link io.nvent.spi.AttemptInterceptor}s captured where the step was handed on ({@link AttemptInterception}),
 * written only when there is one: a job queued without interceptors is what it was before them, and an earlier
 * release skips the field.
 */
record StepJob(String runId, String flow, String step, OptionalLong queuedAtVersion, Optional<JobTerms> terms,
               Optional<HandBack> handBack, int attemptsBefore, Map<String, String> trace) {

    private static final String RECOVERY_SUFFIX = ":recover-";
    private static final String RATE_LIMITED = "rate-limited-";
    private static final String HANDED_BACK = "handed-back-";
    private static final String ATTEMPTS_BEFORE = "attemptsBefore";
    /** The field as a payload holds it: looked for in the payload of every step's job. */
    private static final String ATTEMPTS_BEFORE_FIELD = "\"" + ATTEMPTS_BEFORE + "\"";
    /** The terms' list of delays and jitter ({@link RetrySchedule}); none for a policy without either. */
    private static final String RETRY_SCHEDULE = "retrySchedule";
    /** What the attempt interceptors captured, an object of strings; absent for nothing. */
    private static final String TRACE = "trace";
    /**
     * Terms read lately, by their text: a deployment's steps have few distinct terms. Only terms without
     * a {@link #RETRY_SCHEDULE}, whose text alone decides them: the same text beside a schedule is other
     * terms.
     *
     * <p>Its bound ({@link #MOST_TERMS_KEPT}) is soft, on purpose: the size check, the clearing and the
     * put are not one atomic step, so threads reading new terms at once may each put one beyond it, and
     * a thread may put just after another cleared. That is safe and cheap: the key is the whole text the
     * terms are read from and the values are immutable, so whatever a thread finds for a text is what it
     * would have read itself, and a race costs at most one read again. Past the bound it clears all at
     * once rather than keep an order to evict by (a lock or a queue on every step's job): only a
     * deployment with more distinct terms than that reads some again, as it would without the cache.
     */
    private static final Map<String, Optional<JobTerms>> TERMS_READ = new ConcurrentHashMap<>();
    /** How many {@link #TERMS_READ} keeps at most (give or take threads reading at once) before it starts again. */
    static final int MOST_TERMS_KEPT = 256;

    /** A job without terms, as queued before they were recorded. */
    StepJob(String runId, String flow, String step, OptionalLong queuedAtVersion) {
        this(runId, flow, step, queuedAtVersion, Optional.empty(), Optional.empty(), 0, Map.of());
    }

    StepJob {
        if (attemptsBefore < 0) {
            throw new IllegalArgumentException("attemptsBefore must not be negative: " + attemptsBefore);
        }
    }

    /**
     * What the queue was told of a step's job beyond its payload, so that an instance without the
     * step's definition can queue it again alike.
     */
    record JobTerms(int priority, RetryPolicy retry, Duration timeout) {
    }

    /**
     * A job that instances lacking its step handed back: since when (the grace period counts from
     * there) and how often. The attempts the step used before are the job's {@code attemptsBefore}.
     */
    record HandBack(Instant since, int count) {
    }

    /** This job with the terms it is queued under. */
    StepJob withTerms(JobTerms value) {
        return new StepJob(runId, flow, step, queuedAtVersion, Optional.of(value), handBack, attemptsBefore, trace);
    }

    /** This job handed back once more. */
    StepJob handedBack(HandBack value) {
        return new StepJob(runId, flow, step, queuedAtVersion, terms, Optional.of(value), attemptsBefore, trace);
    }

    /**
     * This job running the step after {@code value} of its attempts counted: the queue counts the
     * attempts of a new job from one again, so these are added back ({@link #asStepAttempt}).
     */
    StepJob afterAttempts(int value) {
        return new StepJob(runId, flow, step, queuedAtVersion, terms, handBack, value, trace);
    }

    /** This job carrying {@code value}, what the attempt interceptors captured where it was handed on. */
    StepJob withTrace(Map<String, String> value) {
        return value.isEmpty() && trace.isEmpty() ? this
                : new StepJob(runId, flow, step, queuedAtVersion, terms, handBack, attemptsBefore, value);
    }

    /**
     * The id of the job that takes over a step's job handed back by an instance lacking the step:
     * the n-th hand-back at a run version (a hand-back changes no run, so its number tells them apart).
     */
    static String handedBackJobId(String runId, String step, long runVersion, int count) {
        return handedBackJobIdPrefix(runId, step, runVersion) + count;
    }

    static String handedBackJobIdPrefix(String runId, String step, long runVersion) {
        return jobId(runId, step) + RECOVERY_SUFFIX + HANDED_BACK + runVersion + "-";
    }

    static boolean isHandedBackJob(String jobId) {
        return jobId.contains(RECOVERY_SUFFIX + HANDED_BACK);
    }

    /** The number of a handed-back job among those handed back at {@code runVersion}; empty for any other job. */
    static OptionalInt handedBackIndex(String jobId, long runVersion) {
        String marker = RECOVERY_SUFFIX + HANDED_BACK + runVersion + "-";
        int at = jobId.lastIndexOf(marker);
        if (at < 0) {
            return OptionalInt.empty();
        }
        try {
            return OptionalInt.of(Integer.parseInt(jobId.substring(at + marker.length())));
        } catch (NumberFormatException notOurs) {
            return OptionalInt.empty();
        }
    }

    /**
     * An attempt as the step sees it: the queue counts the attempts of a job that runs a step again
     * (handed back, queued again after an attempt that did not count, or after its job was lost)
     * from one again, so the attempts the step used before are added back. Only the payload of such
     * a recovery job, or of a usual job that says it has attempts before it (an earlier release's sweep
     * queued a lost one under its usual id), is read here; every other attempt is returned as it is.
     */
    static JobExecution asStepAttempt(JobExecution job) {
        if (!isRecoveryJob(job.jobId()) && !job.payload().contains(ATTEMPTS_BEFORE_FIELD)) {
            return job;
        }
        int before;
        try {
            before = parse(job.payload()).attemptsBefore();
        } catch (IllegalArgumentException notAStepJob) {
            return job; // its attempt reports it
        }
        return before == 0 ? job : new JobExecution(job.queue(), job.jobId(), job.name(), job.payload(),
                job.attempt() + before, job.maxAttempts() + before, job.redelivered());
    }

    /**
     * The retry policy of a job that runs a step again after {@code attemptsBefore} of its attempts
     * counted: the attempts left, and the backoff the step's next retries would have had.
     */
    static RetryPolicy remainingRetry(RetryPolicy retry, int attemptsBefore) {
        if (attemptsBefore <= 0) {
            return retry;
        }
        int maxAttempts = Math.max(1, retry.maxAttempts() - attemptsBefore);
        if (!retry.delays().isEmpty()) {
            List<Duration> left = retry.delays().subList(Math.min(attemptsBefore, retry.delays().size() - 1),
                    retry.delays().size());
            return new RetryPolicy(maxAttempts, BackoffType.EXPONENTIAL, left.get(0),
                    left.stream().max(Duration::compareTo).orElseThrow(), left, retry.jitter());
        }
        Duration initialDelay = retry.backoff() == BackoffType.FIXED ? retry.initialDelay()
                : retry.delayBefore(attemptsBefore + 2);
        return new RetryPolicy(maxAttempts, retry.backoff(), initialDelay, retry.maxDelay(), List.of(), retry.jitter());
    }

    static String jobId(String runId, String step) {
        return runId + ":" + step;
    }

    /**
     * The id of the job that runs a step again after a stall, or in place of a job that was lost or
     * ended without running it, unique per run version: never the lost job's own id, which a queue
     * that remembers ids (the JMS broker's duplicate detection) would refuse again.
     */
    static String recoveryJobId(String runId, String step, long runVersion) {
        return jobId(runId, step) + RECOVERY_SUFFIX + runVersion;
    }

    /**
     * The id of the job that starts a step once a queue's rate limit allows, when it allowed none
     * soon enough for the job before it: named after the {@code step.retry} entry that says so, which
     * only this step's own requeue writes (a run version would move on with the run's other steps).
     */
    static String rateLimitedJobId(String runId, String step, long retryEntrySeq) {
        return jobId(runId, step) + RECOVERY_SUFFIX + RATE_LIMITED + retryEntrySeq;
    }

    static boolean isRateLimitedJob(String jobId) {
        return jobId.contains(RECOVERY_SUFFIX + RATE_LIMITED);
    }

    /**
     * The id of the job of an operator's retry of a failed step whose usual job the queue no longer
     * holds, unique per run version.
     */
    static String manualRetryJobId(String runId, String step, long runVersion) {
        return jobId(runId, step) + ":retry-" + runVersion;
    }

    static boolean isRecoveryJob(String jobId) {
        return jobId.contains(RECOVERY_SUFFIX);
    }

    String toJson() {
        // Written for every step a run takes: plain statements, no lambdas or string concatenation per field.
        JsonText json = JsonText.object().str("runId", runId).str("flow", flow).str("step", step);
        if (queuedAtVersion.isPresent()) {
            json.num("version", queuedAtVersion.getAsLong());
        }
        if (terms.isPresent()) {
            JobTerms t = terms.get();
            // One compact field: every step job carries it, and the queue stores and sends each payload.
            json.str("terms", new StringBuilder(48).append(t.priority()).append(',').append(t.timeout().toMillis())
                    .append(',').append(t.retry().maxAttempts()).append(',').append(t.retry().backoff().name())
                    .append(',').append(t.retry().initialDelay().toMillis()).append(',')
                    .append(t.retry().maxDelay().toMillis()).toString());
            // Beside the terms, which an earlier release reads as six fields: it skips this one, and retries with
            // the initial and longest delay of a list.
            if (!RetrySchedule.isEmpty(t.retry())) {
                json.str(RETRY_SCHEDULE, RetrySchedule.of(t.retry()));
            }
        }
        if (handBack.isPresent()) {
            json.str("handedBackSince", handBack.get().since().toString()).num("handBacks", handBack.get().count());
        }
        if (attemptsBefore > 0 || handBack.isPresent()) {
            json.num(ATTEMPTS_BEFORE, attemptsBefore); // always beside a hand-back: earlier releases read it there
        }
        if (!trace.isEmpty()) {
            json.fields(TRACE, trace);
        }
        return json.build();
    }

    /**
     * Reads a job's payload. Streamed rather than read into a {@code JsonObject}: every step's job
     * is parsed, and its four fields need no tree.
     *
     * @throws IllegalArgumentException if it is not a step job's payload
     */
    static StepJob parse(String json) {
        String runId = null;
        String flow = null;
        String step = null;
        OptionalLong version = OptionalLong.empty();
        Map<String, String> more = new HashMap<>();
        Map<String, String> trace = Map.of();
        try (JsonParser parser = Json.PROVIDER.createParser(new StringReader(json))) {
            while (parser.hasNext()) {
                if (parser.next() != JsonParser.Event.KEY_NAME) {
                    continue;
                }
                String key = parser.getString();
                JsonParser.Event value = parser.next();
                switch (key) {
                    case "runId" -> runId = text(value, parser, json);
                    case "flow" -> flow = text(value, parser, json);
                    case "step" -> step = text(value, parser, json);
                    case "version" -> version = OptionalLong.of(parser.getLong());
                    case "terms", "handedBackSince", "handBacks", "attemptsBefore", RETRY_SCHEDULE ->
                            more.put(key, parser.getString());
                    case TRACE -> trace = trace(value, parser);
                    default -> skip(value, parser); // a field of a later release, not needed here
                }
            }
        }
        if (runId == null || flow == null || step == null) {
            throw new IllegalArgumentException("not a step job (runId, flow and step are required): " + json);
        }
        return new StepJob(runId, flow, step, version, terms(more, json), handBack(more, json),
                attemptsBefore(more, json), trace);
    }

    /** The trace's fields; what is not a string (of a later release) is skipped, as any field unknown here. */
    private static Map<String, String> trace(JsonParser.Event value, JsonParser parser) {
        if (value != JsonParser.Event.START_OBJECT) {
            skip(value, parser);
            return Map.of();
        }
        Map<String, String> fields = new HashMap<>();
        while (parser.next() == JsonParser.Event.KEY_NAME) {
            String key = parser.getString();
            JsonParser.Event field = parser.next();
            if (field == JsonParser.Event.VALUE_STRING) {
                fields.put(key, parser.getString());
            } else {
                skip(field, parser);
            }
        }
        return Map.copyOf(fields);
    }

    private static Optional<JobTerms> terms(Map<String, String> fields, String json) {
        String text = fields.get("terms");
        if (text == null) {
            return Optional.empty();
        }
        if (!fields.containsKey(RETRY_SCHEDULE)) {
            // The jobs of a step carry the same few terms: each is read once (terms without a schedule only).
            Optional<JobTerms> known = TERMS_READ.get(text);
            if (known != null) {
                return known;
            }
            Optional<JobTerms> read = readTerms(fields, json);
            if (TERMS_READ.size() >= MOST_TERMS_KEPT) {
                TERMS_READ.clear();
            }
            TERMS_READ.put(text, read);
            return read;
        }
        return readTerms(fields, json);
    }

    /** How many terms {@link #TERMS_READ} keeps now. */
    static int termsKept() {
        return TERMS_READ.size();
    }

    private static Optional<JobTerms> readTerms(Map<String, String> fields, String json) {
        try {
            // priority, timeout (ms), maxAttempts, backoff, initial delay (ms), maximum delay (ms)
            String[] t = fields.get("terms").split(",", -1);
            if (t.length != 6) {
                throw new IllegalArgumentException("6 comma-separated values expected, not " + t.length);
            }
            RetryPolicy retry = RetrySchedule.applied(new RetryPolicy(Integer.parseInt(t[2]), BackoffType.valueOf(t[3]),
                    Duration.ofMillis(Long.parseLong(t[4])), Duration.ofMillis(Long.parseLong(t[5]))),
                    fields.get(RETRY_SCHEDULE));
            return Optional.of(new JobTerms(Integer.parseInt(t[0]), retry, Duration.ofMillis(Long.parseLong(t[1]))));
        } catch (RuntimeException bad) {
            throw new IllegalArgumentException("not a step job (its terms are incomplete: " + bad + "): " + json, bad);
        }
    }

    private static Optional<HandBack> handBack(Map<String, String> fields, String json) {
        if (!fields.containsKey("handedBackSince")) {
            return Optional.empty();
        }
        try {
            return Optional.of(new HandBack(Instant.parse(fields.get("handedBackSince")),
                    Integer.parseInt(fields.get("handBacks"))));
        } catch (RuntimeException bad) {
            throw new IllegalArgumentException("not a step job (its hand-back is incomplete: " + bad + "): " + json,
                    bad);
        }
    }

    private static int attemptsBefore(Map<String, String> fields, String json) {
        if (!fields.containsKey("attemptsBefore")) {
            return 0;
        }
        try {
            int value = Integer.parseInt(fields.get("attemptsBefore"));
            if (value < 0) {
                throw new IllegalArgumentException("negative");
            }
            return value;
        } catch (RuntimeException bad) {
            throw new IllegalArgumentException("not a step job (attemptsBefore is not a count of attempts: " + bad
                    + "): " + json, bad);
        }
    }

    private static void skip(JsonParser.Event value, JsonParser parser) {
        if (value == JsonParser.Event.START_OBJECT) {
            parser.skipObject();
        } else if (value == JsonParser.Event.START_ARRAY) {
            parser.skipArray();
        }
    }

    private static String text(JsonParser.Event value, JsonParser parser, String json) {
        if (value != JsonParser.Event.VALUE_STRING) {
            throw new IllegalArgumentException("not a step job (" + value + " where a string belongs): " + json);
        }
        return parser.getString();
    }
}
