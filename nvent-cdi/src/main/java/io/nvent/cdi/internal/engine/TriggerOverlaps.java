package io.nvent.cdi.internal.engine;

import io.nvent.AwaitType;
import io.nvent.Overlap;
import io.nvent.TriggerSpec;
import io.nvent.spi.AwaitRecord;
import io.nvent.spi.SchedulingStore;
import io.nvent.spi.internal.ThrottledWarning;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a trigger's overlap policy ({@link TriggerSpec#overlap()}) makes of a fire while runs of its key are under way:
 * the runs holding the key or waiting for it, as the store has them committed. Asked once per fire, before its runs
 * start, and only for {@link Overlap#SKIP}, {@link Overlap#BUFFER_ONE} and {@link Overlap#CANCEL_OTHER}: the key
 * itself makes the runs take turns, which is all {@link Overlap#BUFFER_ALL} asks.
 */
final class TriggerOverlaps {

    private static final System.Logger LOG = System.getLogger(TriggerOverlaps.class.getName());

    /** The least time between two lines of one trigger's skipped or canceling fires: a 1-second schedule may skip every tick. */
    static final Duration LOG_INTERVAL = Duration.ofMinutes(1);

    private final FlowEngine engine;
    private final SchedulingStore store;
    /** Per trigger, its lines of skipped or canceling fires, at most one per {@link #LOG_INTERVAL}. */
    private final Map<String, ThrottledWarning> lines = new ConcurrentHashMap<>();

    /** The locks the fires of a key on this instance take turns on, a key's by its hash. */
    private final Object[] turns = new Object[64];

    TriggerOverlaps(FlowEngine engine, SchedulingStore store) {
        this.engine = engine;
        this.store = store;
        Arrays.setAll(turns, i -> new Object());
    }

    /**
     * The lock a fire of the key holds from its decision until its runs are stored: across instances, two fires
     * reading at the same moment may still both start, the second then waiting for the key; under {@link Overlap#SKIP}
     * the store's settle of the key then lets one of them go on, and the other is skipped
     * ({@link FlowEngine#startFromTrigger(String, String, String, io.nvent.StartOptions, Optional, Overlap)}).
     */
    Object turnOf(String key) {
        return turns[Math.floorMod(key.hashCode(), turns.length)];
    }

    /** Whether a fire of the trigger asks what is under way: a fire on time under a policy that skips or cancels. */
    static boolean decidesAtFire(TriggerSpec spec) {
        return spec.overlap() == Overlap.SKIP || spec.overlap() == Overlap.BUFFER_ONE
                || spec.overlap() == Overlap.CANCEL_OTHER;
    }

    /**
     * What a fire's look at what is under way came to ({@link #skippedFor}).
     *
     * @param skippedFor the run under way that makes the fire start nothing; empty if it starts its runs
     * @param seen the runs under way it saw (and under {@link Overlap#CANCEL_OTHER} canceled, or tried to)
     */
    record Look(Optional<String> skippedFor, List<String> seen) {
    }

    /**
     * Applies the trigger's policy to a fire whose runs hold {@code key}: under {@link Overlap#CANCEL_OTHER} cancels the
     * runs under way with it; else tells whether the fire starts nothing.
     *
     * @param fire the fire, in words, for the cancel's reason and the log ("tick 2026-…", "event 'order.placed'")
     */
    Look skippedFor(TriggerSpec spec, String key, String fire) {
        Map<String, String> flowsUnderWay = underWay(key);
        List<String> underWay = List.copyOf(flowsUnderWay.keySet());
        switch (spec.overlap()) {
            case SKIP:
                return new Look(underWay.stream().findFirst(), underWay);
            case BUFFER_ONE:
                // Counted per flow, as each fire starts a run of each of the trigger's flows: one of the fire under
                // way and one waiting behind it (or, for a moment after its start, two waiting).
                boolean oneWaits = flowsUnderWay.values().stream()
                        .anyMatch(flow -> Collections.frequency(flowsUnderWay.values(), flow) >= 2);
                return new Look(oneWaits ? Optional.of(underWay.get(0)) : Optional.empty(), underWay);
            case CANCEL_OTHER:
                cancel(spec, underWay, fire);
                return new Look(Optional.empty(), underWay);
            default:
                return new Look(Optional.empty(), underWay);
        }
    }

    /**
     * Under {@link Overlap#CANCEL_OTHER}, once the fire's runs are stored: claims each run's place in the key's line
     * ({@link SchedulingStore#claimConcurrencyKeyLine}) and cancels, as {@link #skippedFor} did the runs it saw under
     * way, the runs of its flow whose claims the store admitted before: those of fires on other instances that read
     * what was under way at the same moment as this one. Of racing fires the one the store admits last cancels the
     * others' runs, as the later of two fires on one instance does, and one run of each flow goes on. Nothing for a
     * store that keeps no order of claims ({@link SchedulingStore#keepsConcurrencyKeyClaims()}): the racing fires'
     * runs then run one after the other.
     */
    void cancelRacing(TriggerSpec spec, String key, List<String> started, Look look, String fire) {
        if (spec.overlap() != Overlap.CANCEL_OTHER || !store.keepsConcurrencyKeyClaims()) {
            return;
        }
        Set<String> racing = new LinkedHashSet<>();
        for (String run : started) {
            List<String> before = engine.awaitResolution().claimedBeforeOfKey(run, key);
            // Read once claimed: a fire admitted before that saw this run under way and canceled it (it came later),
            // canceled it before its claim, so is seen now; its run is then the one that goes on, not canceled back.
            engine.flowUnderWay(run).ifPresent(flow -> before.stream()
                    .filter(earlier -> !started.contains(earlier) && !look.seen().contains(earlier))
                    .filter(earlier -> engine.flowUnderWay(earlier).filter(flow::equals).isPresent())
                    .forEach(racing::add));
        }
        cancel(spec, List.copyOf(racing), fire);
    }

    /** Logs a fire that started nothing, at most once a minute per trigger, counting the others. */
    void logSkipped(TriggerSpec spec, String fire, String runUnderWay) {
        line(spec.name()).add(1, times -> "NVENT-0405 trigger " + spec.name() + " started no run for " + fire
                + ": run " + runUnderWay + " of it is under way (overlap " + spec.overlap().wireName() + ")"
                + (times > 1 ? "; " + times + " fires of it skipped so since the last such line" : "")
                + " (logged at most once a minute per trigger; its history records each as trigger.skipped)");
    }

    /** Forgets the lines of a trigger deleted here. */
    void forget(String trigger) {
        lines.remove(trigger);
    }

    private void cancel(TriggerSpec spec, List<String> underWay, String fire) {
        String reason = "overlap: canceled by " + fire + " of trigger " + spec.name();
        List<String> canceled = underWay.stream().filter(run -> canceled(spec, run, reason, fire)).toList();
        if (!canceled.isEmpty()) {
            line(spec.name()).add(canceled.size(), times -> "NVENT-0406 trigger " + spec.name() + " canceled run"
                    + (canceled.size() == 1 ? " " : "s ") + String.join(", ", canceled) + " under way for " + fire
                    + " (overlap cancel-other)" + (times > canceled.size() ? "; " + times + " runs canceled so since the"
                    + " last such line" : "") + " (logged at most once a minute per trigger)");
        }
    }

    /**
     * Cancels a run under way, unless it ended meanwhile. A cancel that fails (others changing the run, the store away)
     * is logged and the fire starts its run all the same: it waits for the key while that run holds it, and a tick
     * claimed and then not fired would be lost.
     */
    private boolean canceled(TriggerSpec spec, String runId, String reason, String fire) {
        try {
            return engine.cancelBecause(runId, reason);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "NVENT-0446 trigger " + spec.name() + " could not cancel run " + runId
                    + " under way for " + fire + " (overlap cancel-other): " + e + "; the fire starts its run, which"
                    + " waits its turn behind that run (cancel it by hand if it should not finish)");
            return false;
        }
    }

    /**
     * The runs under way with the key, and their flows, as the store has them committed: those holding it, then those
     * waiting for it, the longest waiting first. A run just started waits for a moment before the store settles it as
     * the holder.
     */
    private Map<String, String> underWay(String key) {
        Set<String> runs = new LinkedHashSet<>(store.concurrencyKeyHolderList(key));
        for (AwaitRecord await : store.waitingForEvent(key)) {
            if (await.type() == AwaitType.CONCURRENCY_KEY) {
                runs.add(await.runId());
            }
        }
        // A holder as last settled may have ended since (its key not yet handed on): it is under way no longer.
        Map<String, String> flows = new LinkedHashMap<>();
        runs.forEach(run -> engine.flowUnderWay(run).ifPresent(flow -> flows.put(run, flow)));
        return flows;
    }

    private ThrottledWarning line(String trigger) {
        return lines.computeIfAbsent(trigger, name -> new ThrottledWarning(LOG, LOG_INTERVAL, System.Logger.Level.INFO));
    }
}
