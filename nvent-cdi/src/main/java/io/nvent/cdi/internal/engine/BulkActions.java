package io.nvent.cdi.internal.engine;

import io.nvent.BulkCancel;
import io.nvent.BulkResult;
import io.nvent.BulkRetry;
import io.nvent.BulkSkip;
import io.nvent.CancelOptions;
import io.nvent.CanceledRuns;
import io.nvent.EventQuery;
import io.nvent.EventType;
import io.nvent.FlowDefinition;
import io.nvent.FlowService;
import io.nvent.IllegalRunTransitionException;
import io.nvent.RunNotFoundException;
import io.nvent.RunPosition;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import io.nvent.StepDefinition;
import io.nvent.StepStatus;
import io.nvent.cdi.internal.registry.FlowRegistry;
import io.nvent.spi.FlowStore;
import io.nvent.spi.RunRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * {@link FlowService#retryFailed} and {@link FlowService#cancelRuns}: lists one page of the
 * selection's runs and acts on each through the single-run operation ({@link FlowService#retryStep},
 * {@link FlowService#cancel}), so that a run retried or canceled in bulk gets the same history entries,
 * events and live messages as one retried or canceled by hand. Each run is its own store change: a
 * failure is counted and the page goes on, and nothing is held between calls but the caller's cursor.
 */
final class BulkActions {

    private static final System.Logger LOG = System.getLogger(BulkActions.class.getName());
    /** The run list's order: newest start first, then the greater id (as {@link RunPosition#isListedAfter}). */
    private static final Comparator<RunRecord> LISTED = Comparator.comparing(RunRecord::startedAt)
            .thenComparing(RunRecord::runId).reversed();

    private final FlowService single;
    private final FlowStore store;
    private final FlowRegistry registry;

    BulkActions(FlowService single, FlowStore store, FlowRegistry registry) {
        this.single = single;
        this.store = store;
        this.registry = registry;
    }

    BulkResult retryFailed(BulkRetry selection) {
        FlowDefinition flow = registry.require(selection.flow());
        selection.step().ifPresent(name -> {
            if (flow.step(name).isEmpty()) {
                throw new IllegalArgumentException("step must be a step of flow '" + flow.name() + "' ("
                        + String.join(", ", flow.steps().stream().map(StepDefinition::name).toList()) + "); was '"
                        + name + "'");
            }
        });
        Page page = page(selection.flow(), Set.of(RunStatus.FAILED), selection.from(), selection.to(),
                selection.limit(), selection.after());
        Tally tally = new Tally();
        for (RunRecord listed : page.runs()) {
            if (!failedSteps(listed, selection.step()).isEmpty()) {
                tally.count(listed.runId(), "retry", runId -> retry(runId, selection.step()));
            }
        }
        return tally.result("retry", flow.name(), page.next());
    }

    /**
     * With children, one call cancels at most {@value CancelOptions#MAX_LIMIT} descendants in all: once a run's
     * cancel left some under way, or the call canceled that many, it stops after that run, its {@code next} that
     * run's position, and a repeat goes on with the run's descendants under way ({@link #goOnWithDescendantsOf})
     * before the runs listed after it.
     */
    BulkResult cancelRuns(BulkCancel selection) {
        registry.require(selection.flow());
        Tally tally = new Tally();
        if (selection.children()) {
            goOnWithDescendantsOf(selection, tally);
        }
        if (tally.moreDescendants) {
            return tally.result("cancel", selection.flow(), selection.after());
        }
        Page page = page(selection.flow(), selection.statuses(), selection.from(), selection.to(), selection.limit(),
                selection.after());
        Optional<RunPosition> last = selection.after();
        for (RunRecord listed : page.runs()) {
            if (selection.children() && (tally.descendantsLeft() == 0 || tally.moreDescendants)) {
                return tally.result("cancel", selection.flow(), last);
            }
            tally.count(listed.runId(), "cancel", runId -> (selection.children()
                    ? cancelWithChildren(runId, tally, selection.compensate())
                    : selection.compensate() ? single.cancel(runId, CancelOptions.compensating()).canceled()
                    : single.cancel(runId)) ? Optional.empty() : Optional.of(notCanceled(runId, selection)));
            last = Optional.of(positionOf(listed));
        }
        if (tally.moreDescendants) {
            return tally.result("cancel", selection.flow(), last);
        }
        return tally.result("cancel", selection.flow(), page.next());
    }

    /**
     * Goes on with the descendants under way of the run at the selection's cursor, where an earlier call stopped
     * as it had canceled as many descendants as one call cancels: only a run of the flow that was canceled with its
     * children (or still compensates for a cancel with children and compensate), so that a cursor never extends a
     * cancel to a run canceled alone.
     */
    private void goOnWithDescendantsOf(BulkCancel selection, Tally tally) {
        selection.after().flatMap(position -> store.findRun(position.runId()))
                .filter(run -> run.flow().equals(selection.flow()))
                .filter(run -> run.status() == RunStatus.CANCELED ? canceledWithChildren(run.runId())
                        : run.status() == RunStatus.COMPENSATING && compensatesForACancelWithChildren(run.runId()))
                // one still compensating is left to go on compensating (a cancel with compensate leaves it be)
                .ifPresent(run -> cancelWithChildren(run.runId(), tally, run.status() == RunStatus.COMPENSATING));
    }

    /** Whether the run compensates as an operator canceled it with its children and compensate. */
    private boolean compensatesForACancelWithChildren(String runId) {
        return new Compensations(store).planOf(runId).filter(plan -> plan.canceled() && plan.withChildren())
                .isPresent();
    }

    /** Whether the run's latest {@code flow.cancel} entry says it was canceled with its children. */
    private boolean canceledWithChildren(String runId) {
        return store.readEvents(runId, new EventQuery(Set.of(EventType.FLOW_CANCEL), 0, 1, true)).stream()
                .findFirst().map(entry -> JsonMatch.read(entry.data()).asJsonObject().getBoolean("withChildren", false))
                .orElse(false);
    }

    /** Why a listed run was not canceled: it had ended, or a cancel with compensation found it compensating. */
    private BulkSkip notCanceled(String runId, BulkCancel selection) {
        return selection.compensate() && store.findRun(runId).filter(run -> run.status() == RunStatus.COMPENSATING)
                .isPresent() ? BulkSkip.ALREADY_COMPENSATING : BulkSkip.ALREADY_ENDED;
    }

    /** Cancels the run with its descendants under way, as many as the call has left, counted in the tally. */
    private boolean cancelWithChildren(String runId, Tally tally, boolean compensate) {
        CanceledRuns canceled = single.cancel(runId, tally.cancelOptions().toBuilder().compensate(compensate).build());
        tally.descendantsCanceled += canceled.descendantsCanceled();
        tally.moreDescendants = canceled.moreDescendants();
        return canceled.canceled();
    }

    /**
     * Retries the run's failed steps as they are now, not as listed: a run retried since (by an operator,
     * by the same call repeated) is left alone.
     */
    private Optional<BulkSkip> retry(String runId, Optional<String> step) {
        Optional<RunRecord> now = store.findRun(runId);
        if (now.isEmpty()) {
            return Optional.of(BulkSkip.NO_LONGER_STORED);
        }
        List<String> failed = now.get().status() == RunStatus.FAILED ? failedSteps(now.get(), step) : List.of();
        if (failed.isEmpty()) {
            return Optional.of(BulkSkip.NO_LONGER_FAILED);
        }
        boolean retried = false;
        for (String name : failed) {
            try {
                single.retryStep(runId, name);
                retried = true;
            } catch (IllegalRunTransitionException changedMeanwhile) {
                // Retried by someone else between the read above and this retry.
            }
        }
        return retried ? Optional.empty() : Optional.of(BulkSkip.NO_LONGER_FAILED);
    }

    private static List<String> failedSteps(RunRecord run, Optional<String> step) {
        return run.steps().entrySet().stream().filter(e -> e.getValue() == StepStatus.FAILED)
                .map(Map.Entry::getKey).filter(name -> step.map(name::equals).orElse(true)).sorted().toList();
    }

    /** One page of runs and where the next goes on, if more may match. */
    private record Page(List<RunRecord> runs, Optional<RunPosition> next) {
    }

    /**
     * Up to {@code limit} runs of the flow in any of the statuses, in the run list's order after the
     * cursor and within {@code [from, to)}. The store filters one status per query: each status is
     * listed to the limit and the lists merged, which is the list of all of them as far as the limit.
     */
    private Page page(String flow, Set<RunStatus> statuses, Optional<Instant> from, Optional<Instant> to, int limit,
                      Optional<RunPosition> after) {
        // Runs started at `to` are not listed after (to, ""), as no id sorts below the empty one.
        Optional<RunPosition> toPosition = to.map(end -> new RunPosition(end, ""));
        Optional<RunPosition> start = after.isPresent() && toPosition.isPresent()
                ? Optional.of(toPosition.get().isListedAfter(after.get()) ? toPosition.get() : after.get())
                : after.or(() -> toPosition);
        List<RunRecord> merged = new ArrayList<>();
        boolean more = false;
        for (RunStatus status : statuses) {
            List<RunRecord> ofStatus = store.findRuns(new RunQuery(Optional.of(flow), Optional.of(status), 0, limit,
                    start));
            more |= ofStatus.size() == limit;
            merged.addAll(ofStatus);
        }
        merged.sort(LISTED);
        more |= merged.size() > limit;
        List<RunRecord> taken = merged.subList(0, Math.min(limit, merged.size()));
        List<RunRecord> within = taken.stream()
                .filter(run -> from.map(earliest -> !run.startedAt().isBefore(earliest)).orElse(true)).toList();
        // The list goes on to older runs: once one started before the window, none after it is in it.
        boolean passedWindow = within.size() < taken.size();
        Optional<RunPosition> next = more && !passedWindow && !taken.isEmpty()
                ? Optional.of(positionOf(taken.get(taken.size() - 1))) : Optional.empty();
        return new Page(within, next);
    }

    private static RunPosition positionOf(RunRecord run) {
        return new RunPosition(run.startedAt(), run.runId());
    }

    /** Counts what happened to each run of a page; a run that fails is logged and the page goes on. */
    private static final class Tally {
        private int matched;
        private int acted;
        private int failed;
        private int descendantsCanceled;
        /** Whether the last cancel with children left descendants under way: the call stops after its run. */
        private boolean moreDescendants;

        /** Descendants a cancel with children may still cancel in this call. */
        int descendantsLeft() {
            return CancelOptions.MAX_LIMIT - descendantsCanceled;
        }

        /** A cancel with children of as many descendants as this call has left. */
        CancelOptions cancelOptions() {
            return CancelOptions.withChildren().toBuilder().limit(Math.max(1, descendantsLeft())).build();
        }
        private final Map<BulkSkip, Integer> skipped = new EnumMap<>(BulkSkip.class);

        /** Acts on one run: empty if it did, else why it left the run alone. */
        void count(String runId, String what, Function<String, Optional<BulkSkip>> action) {
            matched++;
            try {
                action.apply(runId).ifPresentOrElse(reason -> skipped.merge(reason, 1, Integer::sum),
                        () -> acted++);
            } catch (RunNotFoundException deletedMeanwhile) {
                skipped.merge(BulkSkip.NO_LONGER_STORED, 1, Integer::sum);
            } catch (RuntimeException e) {
                failed++;
                LOG.log(System.Logger.Level.WARNING, () -> "NVENT-0194 bulk " + what + " of run " + runId
                        + " failed; the other runs go on: " + e, e);
            }
        }

        BulkResult result(String what, String flow, Optional<RunPosition> next) {
            BulkResult result = new BulkResult(matched, acted, skipped, failed, next, descendantsCanceled);
            LOG.log(System.Logger.Level.INFO, "NVENT-0193 bulk {0} of flow {1}: {2} matched, {3} acted on, {4} skipped "
                    + "{5}, {6} failed{7}", what, flow, matched, acted, result.skipped(), result.skippedBy(), failed,
                    next.map(n -> "; more may match after run " + n.runId()).orElse(""));
            return result;
        }
    }
}
