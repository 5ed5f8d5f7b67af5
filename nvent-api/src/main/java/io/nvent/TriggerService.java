package io.nvent;

import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Manages triggers: the declared ones ({@link Trigger}) and those created at run time. Inject it
 * like {@link FlowService}.
 *
 * @since 0.1
 */
public interface TriggerService {

    /**
     * Every trigger, by name.
     *
     * @return all triggers, declared and created, enabled or not, sorted by name
     */
    List<TriggerInfo> triggers();

    /**
     * One trigger.
     *
     * @param name trigger name
     * @return the trigger with its statistics; empty if there is none of that name
     */
    Optional<TriggerInfo> trigger(String name);

    /**
     * Creates a trigger.
     *
     * @param spec the definition; its name must be new
     * @return the trigger as stored
     * @throws InvalidTriggerException if the name is taken or reserved ({@code cron-preview}), a flow
     *     is unknown or named twice, or the cron (one that never fires too) or interval is invalid
     */
    TriggerInfo create(TriggerSpec spec);

    /**
     * Replaces a trigger's definition (type and name stay).
     *
     * @param spec the new definition, with the trigger's name and type
     * @return the trigger as stored, its statistics kept
     * @throws TriggerNotFoundException if there is no such trigger
     * @throws InvalidTriggerException if the new definition is invalid, as for {@link #create}
     */
    TriggerInfo update(TriggerSpec spec);

    /**
     * Creates a trigger, or gives the one of that name this definition: what an application calls at
     * every start to keep a trigger it defines in code (a schedule read from its settings, say) as the
     * code says, as JobRunr's {@code scheduleRecurrently(id, cron, job)} does. A trigger that exists
     * keeps whether it is enabled (an operator who disabled it keeps it disabled through the
     * application's next start), its statistics and its history; one whose definition is the same
     * already is left as it is, so a start that changes nothing writes nothing (no
     * {@code trigger.updated} entry) and does not count as a change of its schedule for its missed
     * ticks. Two instances starting at once, each creating the trigger, agree: one creates it (one
     * {@code trigger.registered} entry), the other finds it created and gives it its definition if that
     * differs, and each returns the trigger as stored after its call. An enable or disable stored
     * between this call's read and its write (an operator's, on another instance) is kept, not undone.
     *
     * <p>A trigger declared with {@link Trigger} is refused: the code's annotation gives its definition
     * at every start, and this call would replace it, the next start the annotation's again, each a
     * {@code trigger.updated} entry and a change of the schedule. Change the annotation, or give the
     * trigger created at run time another name.
     *
     * <pre>{@code
     * triggers.createOrUpdate(TriggerSpec.newBuilder("purge-carts", TriggerType.SCHEDULE)
     *         .flow("cleanup").cron(settings.purgeCron()).build());
     * }</pre>
     *
     * @param spec the definition; {@link TriggerSpec#enabled()} applies only when the trigger is created
     * @return the trigger as stored
     * @throws InvalidTriggerException if the definition is invalid, as for {@link #create}, a trigger of
     *     that name has another type (delete it and create the new one) or is declared with {@link Trigger}
     * @since 0.2
     */
    default TriggerInfo createOrUpdate(TriggerSpec spec) {
        Optional<TriggerInfo> existing = trigger(spec.name());
        if (existing.isEmpty()) {
            try {
                return create(spec);
            } catch (InvalidTriggerException e) {
                existing = trigger(spec.name()); // created meanwhile by another instance, or invalid
                if (existing.isEmpty()) {
                    throw e;
                }
            }
        }
        TriggerInfo current = existing.get();
        if (current.declared()) {
            throw InvalidTriggerException.declaredInCode(spec.name());
        }
        TriggerSpec wanted = spec.withEnabled(current.spec().enabled());
        return wanted.equals(current.spec()) ? current : update(wanted);
    }

    /**
     * Enables or disables a trigger. A disabled trigger keeps its definition and statistics but does
     * not fire, by schedule, event or call.
     *
     * @param name trigger name
     * @param enabled {@code true} to enable
     * @return the trigger as stored
     * @throws TriggerNotFoundException if there is no such trigger
     */
    TriggerInfo setEnabled(String name, boolean enabled);

    /**
     * Deletes a trigger created at run time.
     *
     * @param name trigger name
     * @throws InvalidTriggerException for a declared trigger (disable it instead)
     * @throws TriggerNotFoundException if there is no such trigger
     */
    void delete(String name);

    /**
     * Fires a trigger now with a JSON payload, starting each of its flows.
     *
     * @param name trigger name
     * @param jsonPayload the input of each started run, as JSON text
     * @return the ids of the runs started
     * @throws TriggerNotFoundException if there is no such trigger
     * @throws TriggerDisabledException if it is disabled
     * @throws InvalidPayloadException if the payload is not valid JSON ({@code null}, empty or blank
     *     text included: {@code "{}"} is an empty payload)
     */
    List<String> fire(String name, String jsonPayload);

    /**
     * Fires a trigger now, once per idempotency key: a webhook sender's retry of a delivery (same
     * key, same payload) returns the runs the first fire started, with {@code created} false, and
     * counts as no fire of its own. Keys are per trigger and flow; the same key with another payload
     * is refused. See {@link StartOptions#idempotencyKey()}. With a {@link StartOptions#delay()}
     * each of the trigger's flows starts delayed, as {@link FlowService#start(String, Object,
     * StartOptions)} starts one; a trigger with a flow whose entry step waits before it runs
     * ({@code @AwaitBefore}) cannot fire delayed, and starts nothing. A trigger with a concurrency key
     * ({@link TriggerSpec#concurrencyKey()}, {@link TriggerSpec#concurrencyKeyFrom()}) starts its runs
     * with that key and its {@linkplain TriggerSpec#concurrencyLimit() limit}; the options may carry the same
     * key, or none. Options that carry the key with a limit they chose ({@link StartOptions#concurrencyLimitChosen()},
     * 1 included) have the fire's runs keep that limit instead of the trigger's; with the key alone, the runs keep the
     * trigger's limit (since 0.2). The options' key (and limit) of a fire of a trigger without one is the key of the runs the
     * fire starts. The runs carry the trigger's {@linkplain TriggerSpec#labels() labels} and the options' own, both
     * ({@link TriggerSpec#labelsWith}; since 0.2).
     *
     * @param name trigger name
     * @param jsonPayload the input of each started run, as JSON text
     * @param options the idempotency key, the start delay, the concurrency key and limit, and labels;
     *     {@link StartOptions#DEFAULTS} for none
     * @return the runs of the trigger's flows
     * @throws TriggerNotFoundException if there is no such trigger
     * @throws TriggerDisabledException if it is disabled
     * @throws InvalidPayloadException if the payload is not valid JSON ({@code null}, empty or blank
     *     text included: {@code "{}"} is an empty payload)
     * @throws IdempotencyKeyConflictException if the key started runs with another payload
     * @throws IllegalArgumentException if the options carry a delay and one of the trigger's flows
     *     cannot start delayed; the message names the trigger, the flow and its entry step; or if the
     *     options carry a concurrency key other than the trigger's own; or if the options' labels and the
     *     trigger's are more than a run carries ({@code NVENT-0283}); nothing was started
     * @throws ConcurrencyKeyNotInPayloadException if the trigger reads its concurrency key from the payload,
     *     which holds none where it points; nothing was started
     * @since 0.2, the concurrency key
     */
    List<StartedRun> fire(String name, String jsonPayload, StartOptions options);

    /**
     * Fires the ticks of a schedule trigger within a past range, the oldest first, each as its tick: its runs get
     * the input {@code {"scheduledAt":"<the tick>","timezone":"<zone>"}} as the schedule's own fire of that tick
     * would, with the trigger's labels, concurrency key and limit, and each fire's {@code trigger.fired} entry
     * holds {@code "backfill":{"scheduledAt":"<the tick>"}}. What a team asks for after an outage longer than the
     * misfire grace, after the trigger was disabled for a while, or when the data a job read was corrected.
     *
     * <p>Without {@link Backfill#refire()} each tick fires once across instances, whoever fires it: the backfill
     * claims each tick in the store as the schedule claims its ticks, so a tick the schedule, a late fire, an
     * earlier backfill or another instance's backfill at the same time fired is left alone
     * ({@link BackfillResult#alreadyFired()}), and the schedule does not fire a tick the backfill fired. Claims are
     * kept only so long (the longest misfire grace of a trigger, or the tick claim retention,
     * a day by default), so such a backfill must begin no earlier than that, less 10 minutes, before now: beyond
     * it, whether a tick fired cannot be told, and the call is refused rather than firing ticks twice. With
     * {@link Backfill#refire()} every tick of the range fires, whether or not it fired before, at any age;
     * concurrent refiring backfills of one range each fire it.
     *
     * <p>The range is walked on the trigger's schedule as it is now (its cron or interval, time zone and exclusion
     * rules), also where the trigger had another cron then: no history of its schedules is kept.
     *
     * <p>A disabled trigger is backfilled too: a backfill is an operator's explicit act (fire what the schedule
     * skipped while it was disabled), and it leaves the trigger disabled.
     *
     * @param backfill the trigger and the range, as checked by {@link Backfill}
     * @return the counts, and where the next call goes on when the range holds more ticks than the limit
     * @throws TriggerNotFoundException if there is no such trigger
     * @throws InvalidTriggerException if it is no schedule trigger
     * @throws IllegalArgumentException if the range ends after now, or, without {@link Backfill#refire()}, begins
     *     before the tick claims the store keeps (less 10 minutes)
     * @since 0.2
     */
    BackfillResult backfill(Backfill backfill);

    /**
     * The newest entries of a trigger's history, newest first.
     *
     * @param name trigger name
     * @param limit the most entries returned, at least 1
     * @return up to {@code limit} entries
     * @throws TriggerNotFoundException if there is no such trigger
     * @throws IllegalArgumentException if {@code limit} is below 1
     */
    List<TriggerEvent> history(String name, int limit);

    /**
     * A page of a trigger's history, newest first: the entries of the given types (of any type when none is given)
     * below a position. The next page is the one below the last entry's {@link TriggerEvent#seq()}; entries appended
     * meanwhile are above it, so paging skips and repeats none (an entry trimmed meanwhile is simply not listed).
     *
     * <p>The default, for a {@code TriggerService} implemented outside nvent, filters {@link #history(String, int)}
     * read whole and refuses no type; nvent's engine refuses a type none of {@link TriggerEvent#TYPES} names.
     *
     * @param name trigger name
     * @param types the entry types listed, of {@link TriggerEvent#TYPES}; empty for every type
     * @param before the entries listed have a lower sequence number; empty for the newest
     * @param limit the most entries returned, at least 1
     * @return up to {@code limit} entries, newest first
     * @throws TriggerNotFoundException if there is no such trigger
     * @throws IllegalArgumentException if {@code limit} is below 1 or a type is unknown
     * @since 0.2
     */
    default List<TriggerEvent> history(String name, Set<String> types, OptionalLong before, int limit) {
        return io.nvent.spi.internal.TriggerHistoryPages.page(history(name, Integer.MAX_VALUE), types, before, limit);
    }

    /**
     * The next ticks of a cron expression, to preview a schedule before saving it.
     *
     * @param cron the cron expression, as in {@link TriggerSpec#cron()}
     * @param zone the time zone the expression is read in
     * @param after the ticks listed are the first after this time
     * @param count how many ticks; at most 100 are returned
     * @return the next ticks in order, at most {@code count} and at most 100
     * @throws InvalidTriggerException if the expression is invalid or never fires ({@code 0 0 30 2 *}), as
     *     {@link #create} says
     */
    List<Instant> nextTicks(String cron, ZoneId zone, Instant after, int count);

    /**
     * The next ticks of a schedule trigger (its cron or interval, in its time zone), each with the exclusion rule that
     * excludes it, if any, matched as its ticks are ({@link TriggerSpec#exclude()}): to preview what the trigger will
     * do. Excluded ticks are listed, marked, not passed over. A named calendar is asked for each tick; one that this
     * deployment lacks or that throws excludes nothing, as for {@link TriggerInfo#nextFireAt()}.
     *
     * @param trigger the name of a schedule trigger
     * @param after the ticks listed are the first after this time
     * @param count how many ticks; at most 100 are returned
     * @return the next ticks in order, at most {@code count} and at most 100
     * @throws TriggerNotFoundException if there is no such trigger
     * @throws InvalidTriggerException if it is no schedule
     * @throws UnsupportedOperationException ({@code NVENT-0259}) from an implementation written for 0.1, unless the
     *     trigger has no exclusions and ticks on a cron
     * @since 0.2
     */
    default List<ScheduledTick> nextTicksOf(String trigger, Instant after, int count) {
        return nextTicksOf(trigger(trigger).orElseThrow(() -> new TriggerNotFoundException(trigger)).spec(), after,
                count);
    }

    /**
     * The next ticks of a schedule not saved (a trigger editor's), each with the exclusion rule that excludes it, if
     * any, as {@link #nextTicksOf(String, Instant, int)} lists a saved trigger's: to preview what its exclusions
     * exclude before it is created. Its cron is checked as {@link #nextTicks} checks one (a cron that never fires is
     * refused, in the words of that preview), and its exclusion rules as {@link #create} checks them, with a create's
     * messages: a {@code cron:} rule that never matches, and a {@code calendar:} rule that no
     * {@link ExclusionCalendar} of this deployment names; its flows are not. Where a create's message names the
     * trigger ({@code trigger 'payroll'}), this one names {@code the schedule being previewed} (since 0.2): it is not
     * saved, and a trigger editor's has no name yet.
     *
     * @param schedule the definition of a schedule trigger, saved or not (its name is not looked up)
     * @param after the ticks listed are the first after this time
     * @param count how many ticks; at most 100 are returned
     * @return the next ticks in order, at most {@code count} and at most 100
     * @throws InvalidTriggerException if it is no schedule, or its cron or a calendar it names is refused as by
     *     {@link #create}
     * @throws UnsupportedByAdapterException if it has exclusion rules and the scheduling store keeps none (written
     *     for 0.1), as {@link #create} refuses it: no tick is marked that the trigger would not skip
     * @throws UnsupportedOperationException ({@code NVENT-0259}) from an implementation written for 0.1, unless the
     *     schedule has no exclusions and ticks on a cron
     * @since 0.2
     */
    default List<ScheduledTick> nextTicksOf(TriggerSpec schedule, Instant after, int count) {
        if (schedule.type() != TriggerType.SCHEDULE) {
            throw new InvalidTriggerException("trigger '" + schedule.name() + "' is a " + schedule.type().wireName()
                    + " trigger; only a schedule has ticks");
        }
        if (schedule.cron().isEmpty() || !schedule.exclude().isEmpty()) {
            throw new UnsupportedOperationException("NVENT-0259 " + getClass().getName() + " (a TriggerService written"
                    + " for nvent 0.1) lists the ticks of a cron alone: it cannot tell which ticks "
                    + (schedule.cron().isEmpty() ? "an interval (every) has" : "exclusion rules exclude")
                    + "; preview the cron without them (nextTicks)");
        }
        return nextTicks(schedule.cron().get(), schedule.timezone(), after, count).stream()
                .map(at -> new ScheduledTick(at, Optional.empty())).toList();
    }

    /**
     * A human-readable description of a cron expression ("every 5 minutes").
     *
     * @param cron the cron expression
     * @return the description, in English
     * @throws InvalidTriggerException if the expression is invalid
     */
    String describe(String cron);

    /**
     * The misfire policy and grace that apply to a schedule trigger: its own, or the deployment's where
     * it inherits them ({@link Misfire#INHERIT}, no grace), with where each comes from.
     *
     * @param schedule the definition of a schedule trigger
     * @return what a start does with the ticks of it that fell while no instance ran
     * @throws IllegalArgumentException if it is no schedule trigger
     * @since 0.2
     */
    AppliedMisfire appliedMisfire(TriggerSpec schedule);

    /**
     * A view of this service whose operator actions record who acts and why: each history entry such an action
     * writes carries {@code "operator"} (the operator's name) and, when a reason is given, {@code "operatorReason"}, and the
     * action is logged at INFO on the {@code io.nvent.audit} logger (one line per action, a refused one too).
     * Reads through the view behave as on this service; calls made on this service itself record nobody, as before.
     * A view is equal only to itself (not to this service, nor to another view for the same operator).
     * The actions: create, update, enable, disable, delete, fire and backfill; a trigger's
     * {@link #history} entries they write carry {@code "operator"} and {@code "operatorReason"}; a deletion, which leaves no
     * history, is recorded by the log line alone.
     *
     * <pre>{@code
     * flows.actingAs(Operator.named("alice").because("customer called to cancel")).cancel(runId);
     * }</pre>
     *
     * <p>For a user your code acts for (an EJB's caller), name them with
     * {@link Operator#signedIn(String) Operator.signedIn(ejbContext.getCallerPrincipal().getName())}: a call on this
     * service itself never reads the container's caller on its own.
     *
     * <p>nvent's engine implements it. The default, for a {@code TriggerService} implemented outside nvent before 0.2,
     * refuses with an {@link UnsupportedOperationException} (NVENT-1102) rather than act without the record.
     *
     * @param operator who acts, and why
     * @return the view, acting as {@code operator}
     * @throws UnsupportedOperationException if this {@code TriggerService} is a third party's implementation written before
     *     nvent 0.2
     * @since 0.2
     */
    default TriggerService actingAs(Operator operator) {
        java.util.Objects.requireNonNull(operator, "operator");
        throw new UnsupportedOperationException("NVENT-1102 " + getClass().getName() + " cannot record who acts:"
                + " it implements TriggerService as it was before nvent 0.2; nothing was done");
    }
}
