package io.nvent;

import java.util.Locale;

/**
 * Why a bulk operation ({@link FlowService#retryFailed}, {@link FlowService#cancelRuns}) left a run
 * it had listed alone: the run changed between the listing and the action, typically because
 * someone (another call, an operator, the run itself) got there first. A repeated call counts the
 * runs it acted on before this way, or does not list them at all.
 *
 * @since 0.2
 */
public enum BulkSkip {
    /** A run to retry no longer failed (retried already, or its step no longer failed). */
    NO_LONGER_FAILED,
    /** A run to cancel had ended already (completed, failed or canceled). */
    ALREADY_ENDED,
    /** The run was deleted (retention, a cleared history). */
    NO_LONGER_STORED,
    /**
     * A run to cancel with {@link BulkCancel#compensate()} was undoing its steps already (it is left to go on).
     *
     * @since 0.2
     */
    ALREADY_COMPENSATING;

    /**
     * The reason in words, as the REST API and the console show it ({@code "no longer failed"}).
     *
     * @return the lower-case name with spaces
     */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT).replace('_', ' ');
    }
}
