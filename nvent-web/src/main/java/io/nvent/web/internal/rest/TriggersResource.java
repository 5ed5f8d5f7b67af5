package io.nvent.web.internal.rest;

import io.nvent.AppliedMisfire;
import io.nvent.Backfill;
import io.nvent.BackfillResult;
import io.nvent.InvalidTriggerException;
import io.nvent.Misfire;
import io.nvent.Overlap;
import io.nvent.StartOptions;
import io.nvent.StartedRun;
import io.nvent.TriggerDisabledException;
import io.nvent.TriggerEvent;
import io.nvent.TriggerInfo;
import io.nvent.ScheduledTick;
import io.nvent.TriggerNotFoundException;
import io.nvent.TriggerService;
import io.nvent.TriggerSpec;
import io.nvent.TriggerType;
import io.nvent.cdi.NventConfig;
import io.nvent.spi.SchedulingStore;
import io.nvent.spi.internal.ExclusionRules;
import io.nvent.web.internal.WebSettings;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonValue;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Triggers: list, detail with history, create/update, enable/disable, fire, cron preview, and the
 * public webhook endpoint {@code POST /api/nvent/triggers/{name}/webhook}.
 */
@ApplicationScoped
@Path("triggers")
@Produces(MediaType.APPLICATION_JSON)
public class TriggersResource {

    /**
     * The fields of a trigger that POST and PUT take; the others a GET returns (declared, stats …)
     * are the server's to report.
     */
    private static final List<String> SPEC_FIELDS = List.of("name", "type", "flows", "cron", "every", "timezone",
            "event", "filter", "description", "enabled", "misfire", "misfireGrace", "concurrencyKey",
            "concurrencyKeyFrom", "concurrencyKeyPrefix", "concurrencyLimit", "labels", "runTimeout", "overlap",
            "exclude", "debounce", "debounceKeyFrom", "debounceMax", "batchMax", "batchWindow", "batchKeyFrom");

    /** The zone of a cron expression unless one is given; {@code ZoneOffset.UTC} would be named "Z". */
    private static final ZoneId DEFAULT_ZONE = ZoneId.of("UTC");
    /** The earliest {@code after} of a preview: a day after the first date Java holds, so any zone's offset fits. */
    static final Instant FIRST_PREVIEWED = java.time.LocalDateTime.MIN.plusDays(1).toInstant(java.time.ZoneOffset.UTC);
    /** The name of a schedule previewed before it is saved, in what a refusal of its rules says. */
    private static final String UNSAVED = "unsaved";

    private static final System.Logger LOG = System.getLogger(TriggersResource.class.getName());
    /** The id of a webhook call's 401 for its API key; the reason says which header and what it lacks. */
    private static final String API_KEY_REFUSED = "NVENT-0759 ";
    /** The id of a webhook call's 401 for its signature (nvent's or GitHub's scheme); the reason says what is wrong. */
    private static final String SIGNATURE_REFUSED = "NVENT-0760 ";
    /** The id of a trigger field's value refused (a type, duration, time zone or misfire setting it cannot have). */
    private static final String FIELD_REFUSED = "NVENT-0787 ";

    /** GitHub's id of a webhook delivery, the same when GitHub delivers it again. */
    static final String GITHUB_DELIVERY = "X-GitHub-Delivery";

    private final RefusedWebhookCalls refusedCalls = new RefusedWebhookCalls();
    /** The calls of webhooks no trigger has, counted together: one per name would let a caller fill the memory. */
    private final RefusedWebhookCalls unknownCalls = new RefusedWebhookCalls();
    private static final String UNKNOWN_TRIGGER_CALLS = "";
    /**
     * What a webhook no trigger has pretends to be: signed, as nvent signs by default, with a secret made at start
     * that nobody knows, so that the signature is checked as for a real trigger and never matches.
     */
    private static final WebhookProtection UNKNOWN_TRIGGERS = new WebhookProtection(List.of(randomSecret()),
            WebhookProtection.DEFAULT_SIGNATURE_SCHEME, List.of(), WebhookProtection.DEFAULT_API_KEY_HEADER);

    @Inject
    TriggerService triggers;
    /** The engine's clock: a preview's ticks follow its now (the system's until injected: a test's resource). */
    @Inject
    java.time.Clock clock = java.time.Clock.systemUTC();

    /** Where signed requests are remembered, so that every instance, and a restarted one, refuses a replay. */
    @Inject
    SchedulingStore scheduling;

    /**
     * How long a signed request's timestamp stays valid ({@code nvent.webhooks.replay-window-s}): read once, at the
     * first signed call, as the engine's settings check refused a bad value at start ({@code WebSettingsCheck}); a
     * field for tests.
     */
    Supplier<Duration> replayWindow = this::configuredReplayWindow;
    /** The replay window as configured, once read. */
    private volatile Duration configuredReplayWindow;
    /** A trigger's protection as configured, read on every use (tests give their own). */
    Function<String, WebhookProtection> protectionOf = trigger -> WebhookProtection.of(ConfigProvider.getConfig(),
            trigger);

    /**
     * Whether the caller of a webhook is an operator, told of a trigger that does not exist: with security off
     * anyone is; else a caller holding the admin role (the security filter settles who calls a trigger's webhook).
     * A field for tests.
     */
    java.util.function.Predicate<jakarta.ws.rs.core.SecurityContext> operator = security -> {
        WebSettings settings = webSettings();
        return !settings.securityEnabled() || security != null && security.isUserInRole(settings.role());
    };
    /** The web settings, once read (for {@link #operator}). */
    private volatile WebSettings webSettings;

    private WebSettings webSettings() {
        WebSettings read = webSettings;
        if (read == null) {
            read = WebSettings.read(new NventConfig());
            webSettings = read;
        }
        return read;
    }

    private static String randomSecret() {
        byte[] bytes = new byte[32];
        new java.security.SecureRandom().nextBytes(bytes);
        return java.util.HexFormat.of().formatHex(bytes);
    }

    private Duration configuredReplayWindow() {
        Duration read = configuredReplayWindow;
        if (read == null) {
            read = WebSettings.replayWindow(new NventConfig());   // two first calls at once read the same value
            configuredReplayWindow = read;
        }
        return read;
    }

    @GET
    public String list() {
        JsonArrayBuilder all = Json.createArrayBuilder();
        triggers.triggers().forEach(t -> all.add(trigger(t)));
        return all.build().toString();
    }

    /**
     * A trigger with the newest entries of its history ({@code history}, 50 by default, at most 1,000), those of the
     * {@code types} given (comma-separated, such as {@code trigger.fired,trigger.failed}; an unknown one a 400,
     * NVENT-1135). A full page links the next one ({@code Link: <...>; rel="next"}, and {@code historyNext} in the
     * body): the same request going on below the page's last entry ({@code after}, a cursor), which skips or repeats
     * no entry while new ones are appended.
     */
    @GET
    @Path("{name}")
    public Response get(@PathParam("name") String name, @QueryParam("history") String history,
                        @QueryParam("types") String types, @QueryParam("after") String after, @Context UriInfo uri) {
        QueryParams.onlyKnown(uri, "history", "types", "after");
        int limit = QueryParams.intWithin("history", history, 50, 1, 1000);
        Set<String> listedTypes = historyTypes(types);
        OptionalLong below = historyCursor(after, name);
        TriggerInfo info = triggers.trigger(name).orElseThrow(() -> new TriggerNotFoundException(name));
        List<TriggerEvent> page = triggers.history(name, listedTypes, below, limit);
        JsonArrayBuilder events = Json.createArrayBuilder();
        for (TriggerEvent event : page) {
            events.add(Json.createObjectBuilder().add("seq", event.seq()).add("type", event.type())
                    .add("ts", event.timestamp().toString())
                    .add("data", JsonInput.parse(event.data(), "history entry")));
        }
        // A full page may have more below it: the next request finds out, as the run list's does.
        Optional<String> next = page.size() == limit
                ? Optional.of(ListCursors.of(name, String.valueOf(page.get(page.size() - 1).seq())))
                : Optional.empty();
        String body = Json.createObjectBuilder(trigger(info)).add("history", events)
                .add("historyNext", next.map(cursor -> (JsonValue) Json.createValue(cursor)).orElse(JsonValue.NULL))
                .build().toString();
        Response.ResponseBuilder response = Response.ok(body, MediaType.APPLICATION_JSON);
        next.ifPresent(cursor -> response.link(uri.getRequestUriBuilder().replaceQueryParam("after", cursor).build(),
                "next"));
        return response.build();
    }

    /** The entry types of {@code types=}, comma-separated; none for every type. */
    private static Set<String> historyTypes(String types) {
        if (types == null || types.isBlank()) {
            return Set.of();
        }
        Set<String> listed = new java.util.LinkedHashSet<>();
        for (String type : types.split(",")) {
            String trimmed = type.trim();
            // A misspelt type would list nothing, which reads as "it never happened".
            if (!TriggerEvent.TYPES.contains(trimmed)) {
                throw new IllegalArgumentException("NVENT-1135 query parameter 'types' names '" + trimmed
                        + "', no trigger history entry type; give some of "
                        + String.join(", ", new java.util.TreeSet<>(TriggerEvent.TYPES)) + ", comma-separated");
            }
            listed.add(trimmed);
        }
        return listed;
    }

    /** The sequence number the history's {@code after} cursor holds; a 400 for no cursor or one of another trigger. */
    private static OptionalLong historyCursor(String after, String trigger) {
        if (after == null || after.isBlank()) {
            return OptionalLong.empty();
        }
        String madeBy = "a Link rel=\"next\" header of a trigger's history";
        String[] parts = ListCursors.parts("after", after, 2, madeBy);
        if (!parts[0].equals(trigger)) {
            throw new IllegalArgumentException("NVENT-1136 query parameter 'after' is a cursor of the history of trigger '"
                    + parts[0] + "', not of trigger '" + trigger + "': follow the Link rel=\"next\" header of the history"
                    + " you page, or list its first page again (without 'after')");
        }
        try {
            return OptionalLong.of(Long.parseLong(parts[1]));
        } catch (NumberFormatException e) {
            throw QueryParams.invalid("after", after, "the cursor of " + madeBy);
        }
    }

    /**
     * Creates a trigger: {@code {"name","type","flows":[...],"cron","every","timezone","event","filter",
     * "description","enabled","misfire","misfireGrace","concurrencyKey","concurrencyKeyFrom","concurrencyKeyPrefix",
     * "concurrencyLimit","labels":[...],"runTimeout","overlap","exclude":[...],"debounce","debounceKeyFrom","debounceMax","batchMax","batchWindow","batchKeyFrom"}} → 201 with its {@code Location}; 409 if the name is
     * taken. A schedule gives {@code cron} or {@code every} (an ISO-8601 duration such as {@code "PT90S"}) and
     * may give its own misfire policy ({@code "fire-once"}, {@code "fire-all"}, {@code "skip"}; {@code "inherit"} by
     * default) and
     * grace (an ISO-8601 duration); an event trigger may give a {@code filter}, a JSON object its events'
     * payloads must contain.
     */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response create(String body, @Context UriInfo uri,
                           @Context jakarta.ws.rs.core.SecurityContext security, @QueryParam(Operators.REASON) String reason) {
        JsonFields fields = fields(body);
        String name = fields.string("name").orElseThrow(() -> new InvalidTriggerException(
                "the trigger needs \"name\""));
        if (!TriggerSpec.isValidName(name)) {
            // Before the lookup: a name no trigger can have is not looked for (a NUL failed PostgreSQL's query).
            throw new InvalidTriggerException("trigger name '" + name + "' " + TriggerSpec.NAME_RULE);
        }
        if (triggers.trigger(name).isPresent()) {
            return Problems.of(409, "Trigger exists", "NVENT-0763 a trigger named '" + name + "' exists already; change it with "
                    + "PUT /api/nvent/triggers/" + name + " or choose another name");
        }
        TriggerInfo created = Operators.acting(triggers, security, reason).create(spec(fields, name, Optional.empty()));
        warnIfOpen(created, uri);
        return Response.created(uri.getBaseUriBuilder().path("triggers").path(name).build())
                .entity(trigger(created).toString()).build();
    }

    /**
     * Changes a trigger: the fields given replace theirs, the others keep their value; a schedule given
     * {@code cron} or {@code every} ticks on that alone, and {@code "filter": null} removes an event trigger's filter
     * ({@code "misfire": null} and {@code "misfireGrace": null} inherit the deployment's again). Name and type
     * cannot change: a body that gives
     * others answers 400 rather than leaving them as they were unnoticed.
     */
    @PUT
    @Path("{name}")
    @Consumes(MediaType.APPLICATION_JSON)
    public String update(@PathParam("name") String name, String body, @Context UriInfo uri,
                         @Context jakarta.ws.rs.core.SecurityContext security, @QueryParam(Operators.REASON) String reason) {
        TriggerInfo existing = triggers.trigger(name).orElseThrow(() -> new TriggerNotFoundException(name));
        JsonFields fields = fields(body);
        rejectRename(fields, name);
        rejectTypeChange(fields, existing);
        TriggerInfo updated = Operators.acting(triggers, security, reason).update(spec(fields, name, Optional.of(existing)));
        warnIfOpen(updated, uri);
        return trigger(updated).toString();
    }

    /**
     * Logs a webhook trigger created or changed at run time that anyone can fire, as the start-up check
     * does for the triggers there are then ({@code NVENT-0712}): otherwise the log said so only at the
     * next start, while the webhook started flows for anyone meanwhile.
     */
    private void warnIfOpen(TriggerInfo info, UriInfo uri) {
        String name = info.spec().name();
        if (info.spec().type() == TriggerType.WEBHOOK
                && protectionOf.apply(name).open()) {
            String path = uri == null ? webhookPath(name)
                    : uri.getBaseUriBuilder().path("triggers").path(name).path("webhook").build().getRawPath();
            LOG.log(System.Logger.Level.WARNING, WebhookProtection.openWarning(name, path));
        }
    }

    private static String webhookPath(String trigger) {
        return "/api/nvent/triggers/" + trigger + "/webhook";
    }

    private static void rejectRename(JsonFields body, String name) {
        Optional<String> otherName = body.string("name").filter(given -> !given.equals(name));
        if (otherName.isPresent()) {
            throw new IllegalArgumentException("NVENT-0750 the body names trigger '" + otherName.get() + "', the path '"
                    + name + "'; a trigger cannot be renamed: create '" + otherName.get() + "' with POST "
                    + "/api/nvent/triggers, or leave \"name\" out to change '" + name + "'");
        }
    }

    private static void rejectTypeChange(JsonFields body, TriggerInfo existing) {
        TriggerType current = existing.spec().type();
        Optional<TriggerType> otherType = body.string("type").map(TriggersResource::type)
                .filter(given -> given != current);
        if (otherType.isPresent()) {
            String name = existing.spec().name();
            throw new IllegalArgumentException("NVENT-0751 the type of trigger '" + name + "' cannot change ("
                    + current.wireName() + " → " + otherType.get().wireName() + "); "
                    + (existing.declared() ? "it is declared with @Trigger in the code: change it there"
                            : "delete it and create a new one"));
        }
    }

    /** Deletes a trigger created at run time; 409 for one declared with {@code @Trigger} in the code. */
    @DELETE
    @Path("{name}")
    public Response delete(@PathParam("name") String name, @Context jakarta.ws.rs.core.SecurityContext security, @QueryParam(Operators.REASON) String reason) {
        TriggerInfo existing = triggers.trigger(name).orElseThrow(() -> new TriggerNotFoundException(name));
        if (existing.declared()) {
            return Problems.of(409, "Declared trigger", "NVENT-0764 trigger '" + name + "' is declared with @Trigger in the "
                    + "code and cannot be deleted; disable it with POST /api/nvent/triggers/" + name + "/disable");
        }
        Operators.acting(triggers, security, reason).delete(name);
        return Response.noContent().build();
    }

    @POST
    @Path("{name}/enable")
    public String enable(@PathParam("name") String name, @Context jakarta.ws.rs.core.SecurityContext security, @QueryParam(Operators.REASON) String reason) {
        return trigger(Operators.acting(triggers, security, reason).setEnabled(name, true)).toString();
    }

    @POST
    @Path("{name}/disable")
    public String disable(@PathParam("name") String name, @Context jakarta.ws.rs.core.SecurityContext security, @QueryParam(Operators.REASON) String reason) {
        return trigger(Operators.acting(triggers, security, reason).setEnabled(name, false)).toString();
    }

    /**
     * Fires the ticks of a schedule trigger within {@code [from, to)} ({@link TriggerService#backfill}), the oldest
     * first: {@code from} and {@code to} ISO-8601 instants, {@code to} not after now; {@code limit} ticks per call
     * (1..{@value Backfill#MAX_LIMIT}, all of them by default); {@code refire=true} fires the ticks that fired
     * already too. Answers the counts and {@code next}, the {@code from} of the next call while the range holds
     * more ticks than the limit ({@code null} at its end).
     */
    @POST
    @Path("{name}/backfill")
    public String backfill(@PathParam("name") String name, @QueryParam("from") String from,
                           @QueryParam("to") String to, @QueryParam("limit") String limit,
                           @QueryParam("refire") String refire, @Context jakarta.ws.rs.core.SecurityContext security, @QueryParam(Operators.REASON) String reason) {
        Backfill backfill = new Backfill(name, requiredInstant("from", from), requiredInstant("to", to),
                QueryParams.intWithin("limit", limit, Backfill.MAX_LIMIT, 1, Backfill.MAX_LIMIT),
                Boolean.parseBoolean(QueryParams.choice("refire", refire, "false", "true", "false")));
        BackfillResult result = Operators.acting(triggers, security, reason).backfill(backfill);
        JsonObjectBuilder answer = Json.createObjectBuilder().add("trigger", name).add("ticks", result.ticks())
                .add("fired", result.fired()).add("alreadyFired", result.alreadyFired())
                .add("inDoubt", result.inDoubt()).add("notFired", result.notFired());
        result.next().ifPresentOrElse(next -> answer.add("next", next.toString()), () -> answer.addNull("next"));
        return answer.build().toString();
    }

    private static Instant requiredInstant(String parameter, String value) {
        return QueryParams.optionalInstant(parameter, value).orElseThrow(() -> new IllegalArgumentException(
                "NVENT-0718 query parameter '" + parameter + "' is required: an ISO-8601 instant like"
                        + " 2026-12-03T14:00:00Z"));
    }

    /**
     * Fires a trigger now; the body (JSON, may be empty) becomes the input of the runs it starts. Each {@code label}
     * parameter gives its runs a label beside the trigger's own ({@link TriggerSpec#labelsWith}).
     */
    @POST
    @Path("{name}/fire")
    public Response fire(@PathParam("name") String name, String body,
                         @HeaderParam(StartRequests.IDEMPOTENCY_KEY) String idempotencyKey,
                         @QueryParam("label") List<String> labels, @Context jakarta.ws.rs.core.SecurityContext security, @QueryParam(Operators.REASON) String reason) {
        TriggerService acting = Operators.acting(triggers, security, reason);
        String payload = JsonInput.webhookBody(body);
        StartOptions options = StartRequests.withLabels(StartRequests.startOptions(idempotencyKey), labels);
        List<StartedRun> runs = UnexpectedProblemMapper.checkedByTheEngine(() -> acting.fire(name, payload, options));
        return fired(name, runs, options, Response.ok());
    }

    /**
     * A fire's answer: the runs, and whether an earlier request with the same key started them all ({@code 200} with
     * {@code Idempotent-Replayed: true}). A fire that created none but was folded into a debounced trigger's pending
     * runs ({@link StartedRun#folded()}) is a fire of its own, whatever its key: {@code 202}, no replay.
     */
    private static Response fired(String name, List<StartedRun> runs, StartOptions options,
                                  Response.ResponseBuilder firstTime) {
        boolean replayed = options.idempotencyKey().isPresent() && !runs.isEmpty()
                && runs.stream().allMatch(StartedRun::replayed);
        boolean foldedOnly = !runs.isEmpty() && runs.stream().noneMatch(StartedRun::created)
                && runs.stream().anyMatch(StartedRun::folded);
        String body = runs(name, runs.stream().map(StartedRun::runId).toList());
        Response.ResponseBuilder answer = replayed ? Response.ok().header(StartRequests.REPLAYED, "true")
                : foldedOnly ? Response.accepted() : firstTime;
        return answer.entity(body).build();
    }

    /** A webhook call as the unit tests make it: without an operator. */
    Response webhook(String name, String ts, String signature, String idempotencyKey, HttpHeaders headers, byte[] raw) {
        return webhook(name, ts, signature, idempotencyKey, headers, null, raw);
    }

    /**
     * The public webhook of a webhook trigger. Unknown trigger (or not a webhook trigger) → 404 for an operator
     * (signed in, or security off), for anyone else the 401 of a trigger signed with a secret nobody knows;
     * disabled → 409, wrong method → 405, missing or wrong API key or bad signature → 401, a
     * signature scheme that is none → 500, body over the limit → 413 (by {@link PayloadLimit}, before
     * the body is read whole). The signature covers the bytes received; a {@code Content-Type} that is no
     * media type, and the body, are judged (400) only after the key and signature.
     */
    // Public: a sender's URL may carry parameters of its own (GitHub's does not, others' may).
    @KnownQueryParams.TakesAnyQuery
    @POST
    @Path("{name}/webhook")
    public Response webhook(@PathParam("name") String name, @HeaderParam(WebhookSignature.TIMESTAMP_HEADER) String ts,
                            @HeaderParam(WebhookSignature.SIGNATURE_HEADER) String signature,
                            @HeaderParam(StartRequests.IDEMPOTENCY_KEY) String idempotencyKey,
                            @Context HttpHeaders headers, @Context jakarta.ws.rs.core.SecurityContext security,
                            byte[] raw) {
        // Unknown and other types answer alike, so an anonymous caller learns nothing about other triggers.
        Optional<TriggerInfo> webhook = triggers.trigger(name).filter(t -> t.spec().type() == TriggerType.WEBHOOK);
        if (webhook.isEmpty()) {
            return noSuchWebhook(name, ts, signature, security, raw == null ? new byte[0] : raw);
        }
        TriggerInfo info = webhook.get();
        // The stored name, not the path's spelling, finds the secret and identifies replays: a store
        // that matches names ignoring case must not let a respelt path skip either.
        String trigger = info.spec().name();
        byte[] body = raw == null ? new byte[0] : raw;
        WebhookProtection protection = protectionOf.apply(trigger);
        Instant now = clock.instant();
        if (protection.apiKeyRequired()) {
            Optional<String> refusal = WebhookApiKey.refusal(protection,
                    Optional.ofNullable(headers.getHeaderString(protection.apiKeyHeader())));
            if (refusal.isPresent()) {
                return refused(trigger, "Invalid API key", API_KEY_REFUSED + refusal.get(), protection.apiKeyChallenges(),
                        now);
            }
        }
        if (!protection.signed()) {
            requireEnabled(info);
            return fire(trigger, headers, body, startOptions(headers, idempotencyKey));
        }
        if (protection.scheme().isEmpty()) {
            // Fails closed: a scheme nobody can sign for must not open the webhook. The sender learns no
            // setting; the operator finds it in the log (at start too), at most once a minute per trigger.
            refusedCalls.refused(trigger, "NVENT-0770 nvent.triggers." + trigger + ".signature-scheme is '"
                    + protection.signatureScheme() + "'; use nvent or github", now)
                    .ifPresent(warning -> LOG.log(System.Logger.Level.WARNING, warning));
            return Problems.of(500, "Webhook misconfigured", "NVENT-0770 this webhook is misconfigured on the "
                    + "server; its operator finds the reason in the server's log");
        }
        if (protection.scheme().get() == WebhookProtection.Scheme.GITHUB) {
            return githubDelivery(info, protection, headers, body, idempotencyKey, now);
        }
        Duration window = replayWindow.get();
        WebhookSignature.Check check = WebhookSignature.check(protection.secrets(), Optional.ofNullable(ts),
                Optional.ofNullable(signature), body, now, window);
        if (check instanceof WebhookSignature.Refused refused) {
            return refused(trigger, "Invalid signature", SIGNATURE_REFUSED + refused.problem(),
                    List.of(protection.signatureChallenge()), now);
        }
        WebhookSignature.Signed signed = (WebhookSignature.Signed) check;
        requireEnabled(info);
        StartOptions options = startOptions(headers, idempotencyKey);
        SeenSignatures seenSignatures = new SeenSignatures(scheduling);
        Optional<SeenSignatures.Acceptance> accepted = seenSignatures.accept(trigger, signed,
                options.idempotencyKey(), now, signed.validUntil(window));
        if (accepted.isEmpty()) {
            return Problems.of(409, "Already received", "NVENT-0761 this signed request was accepted before; a sender "
                    + "that sends again must sign again with a new " + WebhookSignature.TIMESTAMP_HEADER
                    + ", or send the " + StartRequests.IDEMPOTENCY_KEY + " it came with");
        }
        try {
            return fire(trigger, headers, body, options);
        } catch (RuntimeException e) {
            if (!accepted.get().repeat()) {
                seenSignatures.forget(accepted.get().request());   // not fired: the sender's retry must get through
            }
            throw e;
        }
    }

    /**
     * The call of a webhook no trigger has. An operator learns so (404). Anyone else gets what a trigger signed with
     * a secret nobody knows answers, after the same work (the signature checked over the body), so the status, the
     * body and the time tell no name that exists from one that does not: a webhook trigger's name is no secret to
     * rely on, but a list of them is no business of an anonymous caller. The log names the trigger for the operator.
     */
    private Response noSuchWebhook(String name, String ts, String signature,
                                   jakarta.ws.rs.core.SecurityContext security, byte[] body) {
        if (operator.test(security)) {
            return Problems.of(404, "Not found", "NVENT-0762 no webhook trigger named '" + name + "'; check the "
                    + "trigger's name in the URL (POST /api/nvent/triggers/{name}/webhook)");
        }
        Instant now = clock.instant();
        WebhookSignature.Check check = WebhookSignature.check(UNKNOWN_TRIGGERS.secrets(), Optional.ofNullable(ts),
                Optional.ofNullable(signature), body, now, replayWindow.get());
        String problem = check instanceof WebhookSignature.Refused refused ? refused.problem()
                : WebhookSignature.NOT_MATCHING;
        unknownCalls.due(UNKNOWN_TRIGGER_CALLS, now).ifPresent(calls -> LOG.log(System.Logger.Level.WARNING,
                "NVENT-0716 {0} webhook {1} of no webhook trigger answered 401 as a signed trigger''s would, the last "
                + "for ''{2}'' (only an operator''s call gets 404 NVENT-0762, so that an anonymous caller cannot tell "
                + "which triggers exist); further ones are reported at most once a minute",
                String.valueOf(calls), calls == 1 ? "call" : "calls", io.nvent.spi.internal.LogText.of(name)));
        return unauthorized("Invalid signature", SIGNATURE_REFUSED + problem,
                List.of(UNKNOWN_TRIGGERS.signatureChallenge()));
    }

    /**
     * A webhook call signed as GitHub signs: the body alone, no timestamp, so nothing signed tells a
     * redelivery from a new call. GitHub's delivery id, the same when GitHub delivers again, is the
     * idempotency key unless the request has one.
     */
    private Response githubDelivery(TriggerInfo info, WebhookProtection protection, HttpHeaders headers, byte[] body,
                                    String idempotencyKey, Instant now) {
        String trigger = info.spec().name();
        Optional<String> refusal = WebhookSignature.checkGithub(protection.secrets(),
                Optional.ofNullable(headers.getHeaderString(WebhookSignature.GITHUB_SIGNATURE_HEADER)), body);
        if (refusal.isPresent()) {
            return refused(trigger, "Invalid signature", SIGNATURE_REFUSED + refusal.get(),
                    List.of(protection.signatureChallenge()), now);
        }
        requireEnabled(info);
        StartOptions options = idempotencyKey == null
                ? StartRequests.startOptions(GITHUB_DELIVERY, headers.getHeaderString(GITHUB_DELIVERY), Optional.empty())
                : startOptions(headers, idempotencyKey);
        return fire(trigger, headers, body, options);
    }

    /**
     * A webhook call's options, read after the caller proved who it is: an anonymous caller's bad key is
     * a 401, not a 400 for its {@code Idempotency-Key} (which {@link HeaderGuard} leaves to the webhook).
     *
     * @throws IllegalArgumentException ({@code NVENT-0771}, a 400) for the key given twice, ({@code NVENT-0757})
     *     for one that is blank, too long or not printable ASCII
     */
    private static StartOptions startOptions(HttpHeaders headers, String idempotencyKey) {
        HeaderGuard.idempotencyKeyRefusal(headers.getRequestHeaders()).ifPresent(refusal -> {
            throw new IllegalArgumentException(refusal);
        });
        return StartRequests.startOptions(idempotencyKey);
    }

    /**
     * A 401 for a webhook call, logged as NVENT-0725 when one is due; the reason never holds a key or
     * secret. RFC 9110: every 401 names in {@code WWW-Authenticate} how the caller must authenticate.
     */
    private Response refused(String trigger, String title, String reason, List<String> challenges, Instant now) {
        refusedCalls.refused(trigger, reason, now).ifPresent(warning -> LOG.log(System.Logger.Level.WARNING, warning));
        return unauthorized(title, reason, challenges);
    }

    /** A webhook's 401, the same for a trigger that exists and one that does not. */
    private static Response unauthorized(String title, String reason, List<String> challenges) {
        Response.ResponseBuilder response = Response.fromResponse(Problems.of(401, title, reason));
        challenges.forEach(challenge -> response.header(HttpHeaders.WWW_AUTHENTICATE, challenge));
        return response.build();
    }

    private static void requireEnabled(TriggerInfo info) {
        if (!info.spec().enabled()) {
            throw new TriggerDisabledException(info.spec().name());
        }
    }

    /** Fires a webhook's trigger, once its caller proved who it is: only now are its type and body judged. */
    private Response fire(String name, HttpHeaders headers, byte[] body, StartOptions options) {
        HeaderGuard.requireNoSetAsideContentType(headers);
        String payload = JsonInput.webhookBody(new String(body, StandardCharsets.UTF_8));
        return fired(name, UnexpectedProblemMapper.checkedByTheEngine(() -> triggers.fire(name, payload, options)),
                options, Response.accepted());
    }

    /**
     * Validates a cron expression and previews its next ticks: {@code ?cron=...&timezone=...&count=5}, with
     * {@code &exclude=<rule>} given once per exclusion rule of a schedule not saved (the trigger editor's), its ticks the
     * rules exclude marked in {@code "excluded"}; or an interval schedule not saved, {@code ?every=PT90S} instead of
     * {@code cron} (since 0.2), with its rules likewise; or previews a schedule trigger's
     * ({@code ?trigger=payroll&count=5}), its ticks its exclusion rules exclude marked likewise, as the trigger matches
     * them. A GET, not a POST with a body: a preview changes nothing, and each rule is a short text (at most 100 rules,
     * as a trigger takes). The ticks follow {@code after}, or now by the engine's clock. The refusals of a schedule not
     * saved name it "the schedule being previewed": it has no name yet.
     */
    @GET
    @Path("cron-preview")
    public Response cronPreview(@QueryParam("cron") String cron, @QueryParam("timezone") String zone,
                                @QueryParam("count") String count, @QueryParam("after") String after,
                                @QueryParam("trigger") String trigger, @QueryParam("exclude") List<String> exclude,
                                @QueryParam("every") String every, @Context UriInfo uri) {
        QueryParams.onlyKnownRepeating(uri, "exclude", "cron", "timezone", "count", "after", "trigger", "every");
        Instant from = QueryParams.optionalInstant("after", after).orElseGet(clock::instant);
        if (from.isBefore(FIRST_PREVIEWED)) {
            // Ticks follow it, but no date names them: the schedule computes none (a DateTimeException, a 500).
            throw new IllegalArgumentException("NVENT-1128 query parameter 'after' is " + after.trim() + ", before "
                    + FIRST_PREVIEWED + ", the first instant whose ticks a preview can name in every time zone");
        }
        int most = QueryParams.intWithin("count", count, 5, 1, 100);
        boolean excluding = !exclude.isEmpty();
        boolean cronGiven = cron != null && !cron.isBlank();
        boolean everyGiven = every != null && !every.isBlank();
        if (trigger != null && !trigger.isBlank()) {
            if (cronGiven || everyGiven || zone != null && !zone.isBlank() || excluding) {
                throw new InvalidTriggerException("NVENT-0738 the preview gives ?trigger=" + trigger + " and ?"
                        + (cronGiven ? "cron" : everyGiven ? "every" : excluding ? "exclude" : "timezone") + "=: a"
                        + " trigger's preview uses its own schedule, time zone and exclusion rules; give ?trigger="
                        + " alone, or ?cron= or ?every= (and ?timezone=, ?exclude=) without it");
            }
            TriggerSpec spec = triggers.trigger(trigger).orElseThrow(() -> new TriggerNotFoundException(trigger)).spec();
            return ticksOf(spec, true, () -> triggers.nextTicksOf(trigger, from, most));
        }
        if (cronGiven && everyGiven) {
            throw new InvalidTriggerException("NVENT-1123 the preview gives ?cron=" + cron.trim() + " and ?every="
                    + every.trim() + ": a schedule ticks on a cron expression or on an interval, not both; give one"
                    + " of them");
        }
        if (!cronGiven && !everyGiven) {
            throw new InvalidTriggerException((excluding ? "NVENT-0717 exclusion rules (?exclude=) are previewed on"
                    + " the ticks of a cron (?cron=) or an interval (?every=): " : "") + "give the expression as"
                    + " ?cron=... (an interval as ?every=..., or a schedule trigger's name as ?trigger=...)");
        }
        ZoneId zoneId = QueryParams.zone("timezone", zone, DEFAULT_ZONE);
        if (everyGiven || excluding) {
            // Checked as a create checks it, with the create's messages, but naming "the schedule being previewed"
            // rather than a trigger: it has no name yet (the spec's is made up); the engine words its own checks alike.
            ExclusionRules.readOf(ExclusionRules.PREVIEWED, exclude);
            TriggerSpec.Builder builder = TriggerSpec.newBuilder(UNSAVED, TriggerType.SCHEDULE).timezone(zoneId)
                    .exclude(exclude);
            TriggerSpec spec = (everyGiven ? builder.every(previewedEvery(every)) : builder.cron(cron)).build();
            return ticksOf(spec, false, () -> triggers.nextTicksOf(spec, from, most));
        }
        // The service refuses a cron that never fires as creating the trigger would, by the same rule.
        JsonArrayBuilder ticks = Json.createArrayBuilder();
        // after: the console's backfill dialog previews the ticks of a past range.
        triggers.nextTicks(cron, zoneId, from, most).forEach(t -> ticks.add(t.toString()));
        return Response.ok(Json.createObjectBuilder().add("cron", cron.trim()).add("timezone", zoneId.getId())
                .add("description", triggers.describe(cron)).add("next", ticks).build().toString()).build();
    }

    /**
     * The interval of a schedule previewed before it is saved, refused as a create's {@code "every"} is: by the same
     * check, in its words after the preview's id.
     */
    private static Duration previewedEvery(String value) {
        try {
            return every(value);
        } catch (IllegalArgumentException refused) {
            throw new InvalidTriggerException("NVENT-1124 ?every= is the interval of the schedule being previewed,"
                    + " refused as a create refuses it: " + refused.getMessage().substring(FIELD_REFUSED.length()));
        }
    }

    /**
     * A schedule's next ticks, those its exclusion rules exclude listed again in {@code "excluded"}; a 501 when the
     * trigger service, written for 0.1, cannot list them ({@code NVENT-0700}): the console previews the cron alone then.
     */
    private Response ticksOf(TriggerSpec spec, boolean saved, Supplier<List<ScheduledTick>> listed) {
        List<ScheduledTick> ticks;
        try {
            ticks = listed.get();
        } catch (UnsupportedOperationException e) {
            return Problems.of(501, "Not supported by the trigger service", "NVENT-0700 the ticks of "
                    + (saved ? "trigger '" + spec.name() + "'" : "this schedule") + " cannot be"
                    + " previewed with its " + (spec.cron().isPresent() ? "exclusion rules" : "interval") + " here ("
                    + e.getMessage() + ")" + spec.cron().map(c -> "; preview its cron alone: ?cron=&timezone=")
                    .orElse(""));
        }
        JsonArrayBuilder next = Json.createArrayBuilder();
        JsonArrayBuilder excluded = Json.createArrayBuilder();
        for (ScheduledTick tick : ticks) {
            next.add(tick.at().toString());
            tick.excludedBy().ifPresent(rule -> excluded.add(Json.createObjectBuilder()
                    .add("at", tick.at().toString()).add("rule", rule)));
        }
        JsonObjectBuilder preview = Json.createObjectBuilder();
        if (saved) {
            preview.add("trigger", spec.name());
        }
        spec.cron().ifPresent(expression -> preview.add("cron", expression)
                .add("description", triggers.describe(expression)));
        spec.every().ifPresent(every -> preview.add("every", every.toString()));
        return Response.ok(preview.add("timezone", spec.timezone().getId()).add("next", next).add("excluded", excluded)
                .build().toString()).build();
    }

    private static String runs(String name, List<String> runIds) {
        return Json.createObjectBuilder().add("trigger", name).add("runs", Json.createArrayBuilder(runIds))
                .build().toString();
    }

    private static JsonFields fields(String body) {
        return JsonFields.of(JsonInput.parseDefinition(body, "trigger", member -> member.startsWith("filter")
                ? " (a filter cannot say \"either value\": create one trigger per value)" : ""), "the trigger",
                "{\"name\":\"…\",\"type\":\"manual\",\"flows\":[\"…\"]}").allowOnly(SPEC_FIELDS);
    }

    /** The trigger a body describes; on update, what the body leaves out stays as it was. */
    private TriggerSpec spec(JsonFields body, String name, Optional<TriggerInfo> existing) {
        Optional<TriggerSpec> old = existing.map(TriggerInfo::spec);
        TriggerType type = old.map(TriggerSpec::type).orElseGet(() -> type(body.string("type")
                .orElseThrow(() -> new InvalidTriggerException("the trigger needs \"type\""))));
        List<String> flows = body.strings("flows", "flow names")
                .orElseGet(() -> old.map(TriggerSpec::flows).orElse(List.of()));
        TriggerSpec.Builder spec = TriggerSpec.newBuilder(name, type)
                .flows(flows)
                .description(body.string("description").orElseGet(() -> old.map(TriggerSpec::description).orElse("")))
                .enabled(body.bool("enabled").orElseGet(() -> old.map(TriggerSpec::enabled).orElse(true)))
                .timezone(body.string("timezone").map(TriggersResource::zone)
                        .orElseGet(() -> old.map(TriggerSpec::timezone).orElse(DEFAULT_ZONE)));
        Optional<String> cron = body.string("cron");
        Optional<Duration> every = body.string("every").map(TriggersResource::every);
        if (cron.isPresent() && every.isPresent()) {
            throw new InvalidTriggerException("a schedule ticks on \"cron\" or \"every\"; the body gives both, "
                    + "leave one out");
        }
        // A schedule given either ticks on that alone: the other, kept from before, would make it both.
        if (cron.isEmpty() && every.isEmpty()) {
            cron = old.flatMap(TriggerSpec::cron);
            every = old.flatMap(TriggerSpec::every);
        }
        cron.ifPresent(spec::cron);
        every.ifPresent(spec::every);
        body.string("event").or(() -> old.flatMap(TriggerSpec::event)).ifPresent(spec::event);
        // A filter given replaces the old one, null removes it, none keeps it.
        (body.has("filter") ? body.object("filter", "{\"region\":\"eu\"}").map(JsonValue::toString)
                : old.flatMap(TriggerSpec::filter)).ifPresent(spec::filter);
        misfire(body, type, old, spec);
        concurrencyKey(body, old, spec);
        // Given replaces, null removes them, none keeps the old ones; a label the rules refuse is a 400 naming it.
        spec.labels(body.has("labels") ? body.strings("labels", "labels").orElse(List.of())
                : old.map(TriggerSpec::labels).orElse(Set.of()));
        // Likewise: given replaces, null gives the runs their flow's own again, none keeps the old one.
        (body.has("runTimeout") ? body.string("runTimeout").map(value -> runTimeout(name, value))
                : old.flatMap(TriggerSpec::runTimeout)).ifPresent(spec::runTimeout);
        // Likewise: given replaces, null starts the runs side by side again, none keeps the old one.
        spec.overlap(body.has("overlap") ? body.string("overlap").map(TriggersResource::overlap).orElse(Overlap.ALLOW_ALL)
                : old.map(TriggerSpec::overlap).orElse(Overlap.ALLOW_ALL));
        // Likewise: given replaces, null or [] excludes no tick again, none keeps the old ones. A rule in none of the
        // forms is a 400 naming it and the forms (NVENT-0236); a calendar no bean names, one naming the known ones.
        spec.exclude(body.has("exclude") ? body.strings("exclude", "exclusion rules").orElse(List.of())
                : old.map(TriggerSpec::exclude).orElse(List.of()));
        debounce(body, name, type, old, spec);
        batch(body, name, type, old, spec);
        // TriggerService.create and update refuse what could not work as meant (a flow named twice, a
        // cron that never fires, a reserved name) with InvalidTriggerException: 400 with their message.
        return spec.build();
    }

    /**
     * The misfire policy and grace a body gives, each refused naming its field: given replaces, null
     * inherits the deployment's again, none keeps the old one.
     */
    private static void misfire(JsonFields body, TriggerType type, Optional<TriggerSpec> old,
                                TriggerSpec.Builder spec) {
        Optional<String> policy = body.string("misfire");
        Optional<String> grace = body.string("misfireGrace");
        if (type != TriggerType.SCHEDULE && (policy.isPresent() || grace.isPresent())) {
            throw new IllegalArgumentException(FIELD_REFUSED + "\"" + (policy.isPresent() ? "misfire" : "misfireGrace")
                    + "\" belongs "
                    + "to schedule triggers only (it says what a start does with ticks missed while no instance ran); "
                    + "this one is a " + type.wireName() + " trigger");
        }
        spec.misfire(body.has("misfire") ? policy.map(value -> Misfire.ofWireName(value).orElseThrow(() ->
                new IllegalArgumentException(FIELD_REFUSED + "\"misfire\" must be \"fire-once\", \"fire-all\", \"skip\" or \"inherit\" (the "
                        + "deployment's nvent.triggers.misfire), was \"" + value + "\""))).orElse(Misfire.INHERIT)
                : old.map(TriggerSpec::misfire).orElse(Misfire.INHERIT));
        Optional<Duration> graceGiven = grace.map(value -> duration("misfireGrace", value, "\"PT1H\" or \"P1D\"",
                "NVENT-0231 ", " (leave it out to inherit nvent.triggers.misfire-grace)"));
        (body.has("misfireGrace") ? graceGiven : old.flatMap(TriggerSpec::misfireGrace)).ifPresent(spec::misfireGrace);
    }

    /**
     * The concurrency key a body gives, each field refused as the spec refuses it (400). A fixed key given
     * clears the pointer and the prefix; a pointer given clears the fixed key and keeps the prefix unless the
     * body gives one, so that a pointer moved within the payload keeps its keys apart from other triggers'.
     * A field given as {@code null} is removed, one left out is kept; a combination that results invalid (a
     * prefix left without a pointer, a limit above 1 left without a key) is refused as on create; so is a limit
     * out of range. The limit given replaces the old one, {@code null} sets it back to 1, none keeps it.
     */
    private static void concurrencyKey(JsonFields body, Optional<TriggerSpec> old, TriggerSpec.Builder spec) {
        boolean keyGiven = body.string("concurrencyKey").isPresent();
        boolean pointerGiven = body.string("concurrencyKeyFrom").isPresent();
        keyField(body, "concurrencyKey", pointerGiven, old.flatMap(TriggerSpec::concurrencyKey))
                .ifPresent(spec::concurrencyKey);
        keyField(body, "concurrencyKeyFrom", keyGiven, old.flatMap(TriggerSpec::concurrencyKeyFrom))
                .ifPresent(spec::concurrencyKeyFrom);
        keyField(body, "concurrencyKeyPrefix", keyGiven, old.flatMap(TriggerSpec::concurrencyKeyPrefix))
                .ifPresent(spec::concurrencyKeyPrefix);
        // Given replaces, null is the default again (1), none keeps the old one.
        spec.concurrencyLimit(body.has("concurrencyLimit")
                ? body.wholeNumber("concurrencyLimit", "1.." + StartOptions.MAX_CONCURRENCY_LIMIT).orElse(1)
                : old.map(TriggerSpec::concurrencyLimit).orElse(1));
    }

    /** One field of the key: as the body gives it (null for none); left out, cleared by another field or kept. */
    private static Optional<String> keyField(JsonFields body, String field, boolean clearedByAnother,
                                             Optional<String> old) {
        if (body.has(field)) {
            return body.string(field);
        }
        return clearedByAnother ? Optional.empty() : old;
    }

    private static Duration every(String value) {
        return duration("every", value, "\"PT90S\", \"PT15M\" or \"PT36H\"", FIELD_REFUSED, "");
    }

    /**
     * A trigger's duration field, refused naming the field and quoting the value as the body gave it:
     * the parsed duration would name {@code "PT0.500S"} {@code PT0.5S}, {@code "-PT5S"} {@code PT-5S}.
     */
    private static Duration duration(String field, String value, String examples, String id, String hint) {
        Duration parsed = parsedDuration(field, value, examples);
        TriggerSpec.durationProblem(parsed).ifPresent(problem -> {
            throw new IllegalArgumentException(id + "\"" + field + "\" is \"" + value + "\"; " + problem + hint);
        });
        return parsed;
    }

    private static Duration parsedDuration(String field, String value, String examples) {
        try {
            return Duration.parse(value.trim());
        } catch (DateTimeException | ArithmeticException e) {
            throw new IllegalArgumentException(FIELD_REFUSED + "\"" + field + "\" must be an ISO-8601 duration such as "
                    + examples
                    + ", was \"" + value + "\"", e);
        }
    }

    /**
     * The debounce a body gives, each field refused naming it (400, {@code NVENT-0733}): given replaces, null removes
     * it ({@code "debounce":null} removes the pointer and the bound too), none keeps the old one.
     */
    private static void debounce(JsonFields body, String name, TriggerType type, Optional<TriggerSpec> old,
                                 TriggerSpec.Builder spec) {
        Optional<io.nvent.Debounce> kept = old.flatMap(TriggerSpec::debounce);
        Optional<Duration> window = body.has("debounce")
                ? body.string("debounce").map(value -> parsedDuration("debounce", value, "\"PT30S\" or \"PT5M\""))
                : kept.map(io.nvent.Debounce::window);
        boolean removed = body.has("debounce") && window.isEmpty();
        Optional<String> keyFrom = body.has("debounceKeyFrom") ? body.string("debounceKeyFrom")
                : removed ? Optional.empty() : kept.flatMap(io.nvent.Debounce::keyFrom);
        Optional<Duration> max = body.has("debounceMax")
                ? body.string("debounceMax").map(value -> parsedDuration("debounceMax", value, "\"PT5M\" or \"PT1H\""))
                : removed ? Optional.empty() : kept.flatMap(io.nvent.Debounce::max);
        if (window.isEmpty()) {
            if (keyFrom.isPresent() || max.isPresent()) {
                throw new IllegalArgumentException("NVENT-0733 \"" + (keyFrom.isPresent() ? "debounceKeyFrom"
                        : "debounceMax") + "\" goes with a \"debounce\" (the quiet period, such as \"PT30S\"), which"
                        + " the trigger has not");
            }
            return;
        }
        try {
            TriggerSpec.checkDebounce(name, type, window.get(), keyFrom, max);
        } catch (IllegalArgumentException e) {
            String field = e.getMessage().contains("(debounceMax)") ? "debounceMax"
                    : e.getMessage().contains("(debounceKeyFrom)") ? "debounceKeyFrom" : "debounce";
            throw new IllegalArgumentException("NVENT-0733 \"" + field + "\" is refused: " + e.getMessage(), e);
        }
        spec.debounce(window.get()).debounceKeyFrom(keyFrom.orElse(null)).debounceMax(max.orElse(null));
    }

    /**
     * The batching a body gives, each field refused naming it (400, {@code NVENT-0719}): given replaces, null removes
     * it ({@code "batchWindow":null} or {@code "batchMax":null} removes the pointer too), none keeps the old one. Checked
     * with the body's debounce, which it cannot go with ({@code NVENT-0254}).
     */
    private static void batch(JsonFields body, String name, TriggerType type, Optional<TriggerSpec> old,
                              TriggerSpec.Builder spec) {
        Optional<io.nvent.Batch> kept = old.flatMap(TriggerSpec::batch);
        Optional<Integer> max = body.has("batchMax")
                ? body.wholeNumber("batchMax", io.nvent.Batch.MIN_MAX + ".." + io.nvent.Batch.MAX_MAX)
                : kept.map(io.nvent.Batch::max);
        Optional<Duration> window = body.has("batchWindow")
                ? body.string("batchWindow").map(value -> parsedDuration("batchWindow", value, "\"PT10S\" or \"PT1M\""))
                : kept.map(io.nvent.Batch::window);
        boolean removed = body.has("batchMax") && max.isEmpty() || body.has("batchWindow") && window.isEmpty();
        Optional<String> keyFrom = body.has("batchKeyFrom") ? body.string("batchKeyFrom")
                : removed ? Optional.empty() : kept.flatMap(io.nvent.Batch::keyFrom);
        if (removed || max.isEmpty() || window.isEmpty()) {
            if (!removed && (max.isPresent() || window.isPresent()) || keyFrom.isPresent()) {
                throw new IllegalArgumentException("NVENT-0729 \"" + (keyFrom.isPresent() ? "batchKeyFrom"
                        : max.isPresent() ? "batchMax" : "batchWindow") + "\" is part of batching, which needs both"
                        + " \"batchMax\" (how many fires start the run at once, such as 100) and \"batchWindow\" (how"
                        + " long the first fire waits for more, such as \"PT10S\"): give the other one too");
            }
            spec.batch((io.nvent.Batch) null);
            return;
        }
        try {
            TriggerSpec.checkBatch(name, type, max.get(), window.get(), keyFrom, false);
        } catch (IllegalArgumentException e) {
            String field = e.getMessage().contains("(batchKeyFrom)") ? "batchKeyFrom"
                    : e.getMessage().contains("(batchWindow)") ? "batchWindow" : "batchMax";
            throw new IllegalArgumentException("NVENT-0719 \"" + field + "\" is refused: " + e.getMessage(), e);
        }
        spec.batch(max.get(), window.get()).batchKeyFrom(keyFrom.orElse(null));
    }

    /** An overlap policy by its wire name or constant's name, refused naming the field and what it may be. */
    private static Overlap overlap(String value) {
        return Overlap.ofWireName(value).orElseThrow(() -> new IllegalArgumentException("NVENT-0715 \"overlap\" must be"
                + " one of " + Overlap.wireNames() + " (what a fire does while a run the trigger started is under way),"
                + " was \"" + value + "\""));
    }

    /** A trigger's run timeout as a body gives it, refused naming the field (400) where the spec would refuse it. */
    private static Duration runTimeout(String name, String value) {
        Duration parsed = parsedDuration("runTimeout", value, "\"PT2H\" or \"P2D\"");
        try {
            return TriggerSpec.checkRunTimeout(name, parsed);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("NVENT-0714 \"runTimeout\" is \"" + value + "\": " + e.getMessage()
                    + " (leave it out, or give null, for the flow's own run timeout)", e);
        }
    }

    private static TriggerType type(String value) {
        try {
            return TriggerType.valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(FIELD_REFUSED + "unknown trigger type '" + value
                    + "'; use schedule, webhook, manual or event", e);
        }
    }

    private static ZoneId zone(String value) {
        try {
            return ZoneId.of(value);
        } catch (DateTimeException e) {
            throw new IllegalArgumentException(FIELD_REFUSED + "unknown time zone '" + value + "'; give an IANA zone id "
                    + "such as \"Europe/Paris\" or \"UTC\"", e);
        }
    }

    /** Where a misfire setting that applies comes from: {@code "trigger"} (its own) or {@code "deployment"}. */
    private static String from(boolean own) {
        return own ? "trigger" : "deployment";
    }

    JsonObject trigger(TriggerInfo info) {
        TriggerSpec spec = info.spec();
        JsonObjectBuilder body = Json.createObjectBuilder()
                .add("name", spec.name())
                .add("type", spec.type().wireName())
                .add("flows", Json.createArrayBuilder(spec.flows()))
                .add("enabled", spec.enabled())
                .add("declared", info.declared())
                .add("description", spec.description())
                .add("timezone", spec.timezone().getId())
                .add("stats", Json.createObjectBuilder().add("fires", info.fires())
                        .add("runsStarted", info.runsStarted())
                        .add("lastFiredAt", info.lastFiredAt().map(t -> (JsonValue) Json.createValue(t.toString()))
                                .orElse(JsonValue.NULL))
                        .add("lastError", info.lastError().map(e -> (JsonValue) Json.createValue(e))
                                .orElse(JsonValue.NULL)));
        spec.cron().ifPresent(c -> body.add("cron", c));
        spec.every().ifPresent(every -> body.add("every", TriggerSpec.durationText(every)));
        spec.event().ifPresent(e -> body.add("event", e));
        spec.filter().ifPresent(filter -> body.add("filter", JsonInput.read(filter)));
        spec.concurrencyKey().ifPresent(key -> body.add("concurrencyKey", key));
        spec.concurrencyKeyFrom().ifPresent(pointer -> body.add("concurrencyKeyFrom", pointer));
        spec.concurrencyKeyPrefix().ifPresent(prefix -> body.add("concurrencyKeyPrefix", prefix));
        if (spec.concurrencyKey().isPresent() || spec.concurrencyKeyFrom().isPresent()) {
            body.add("concurrencyLimit", spec.concurrencyLimit());
        }
        if (!spec.labels().isEmpty()) {
            body.add("labels", Json.createArrayBuilder(spec.labels()));
        }
        spec.runTimeout().ifPresent(timeout -> body.add("runTimeout", TriggerSpec.durationText(timeout)));
        body.add("overlap", spec.overlap().wireName());
        if (spec.type() == TriggerType.SCHEDULE) {
            body.add("exclude", Json.createArrayBuilder(spec.exclude()));
        }
        if (!info.unknownCalendars().isEmpty()) {
            // A calendar bean a redeploy removed: its rule excludes no tick until the bean is back or the rule goes.
            body.add("unknownCalendars", Json.createArrayBuilder(info.unknownCalendars()));
        }
        spec.debounce().ifPresent(debounce -> {
            body.add("debounce", TriggerSpec.durationText(debounce.window()));
            debounce.keyFrom().ifPresent(pointer -> body.add("debounceKeyFrom", pointer));
            debounce.max().ifPresent(max -> body.add("debounceMax", TriggerSpec.durationText(max)));
        });
        spec.batch().ifPresent(batch -> {
            body.add("batchMax", batch.max());
            body.add("batchWindow", TriggerSpec.durationText(batch.window()));
            batch.keyFrom().ifPresent(pointer -> body.add("batchKeyFrom", pointer));
        });
        info.nextFireAt().ifPresent(t -> body.add("nextFireAt", t.toString()));
        if (spec.type() == TriggerType.SCHEDULE) {
            // Always given for a schedule, "inherit" and null included: a client sees what it can change.
            body.add("misfire", spec.misfire().wireName()).add("misfireGrace", spec.misfireGrace()
                    .map(grace -> (JsonValue) Json.createValue(TriggerSpec.durationText(grace))).orElse(JsonValue.NULL));
            // What "inherit" and null stand for: a client need not know the deployment's settings.
            AppliedMisfire applied = triggers.appliedMisfire(spec);
            body.add("effectiveMisfire", Json.createObjectBuilder()
                    .add("policy", applied.policy().wireName()).add("policyFrom", from(applied.ownPolicy()))
                    .add("grace", TriggerSpec.durationText(applied.grace())).add("graceFrom", from(applied.ownGrace())));
        }
        if (spec.type() == TriggerType.WEBHOOK) {
            body.add("webhookPath", webhookPath(spec.name()));
            // Callers must know whether to sign and which header carries a key; the secret and the keys
            // themselves never leave the server.
            WebhookProtection protection = protectionOf.apply(spec.name());
            body.add("signed", protection.signed()).add("apiKey", protection.apiKeyRequired());
            if (protection.open()) {
                body.add("warning", WebhookProtection.openWarning(spec.name(), webhookPath(spec.name())));
            }
            if (protection.signed()) {
                body.add("signatureScheme", protection.signatureScheme());
            }
            if (protection.apiKeyRequired()) {
                body.add("apiKeyHeader", protection.apiKeyHeader());
            }
        }
        return body.build();
    }
}
