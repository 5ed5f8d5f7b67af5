package io.nvent;

import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What one call of a bulk operation ({@link FlowService#retryFailed}, {@link FlowService#cancelRuns})
 * did with the runs it worked through.
 *
 * <p>{@code matched = acted + skipped() + failed}.
 *
 * @param matched runs it listed that matched the selection
 * @param acted runs it retried or canceled
 * @param skippedBy runs it left alone because they had changed since it listed them, by reason
 *     (reasons with none are left out)
 * @param failed runs whose retry or cancel failed (the store was away, a bug): logged
 *     with the run and the error (see the README, "Operations"); the other runs were still acted on
 * @param next where the next call goes on ({@link BulkRetry#startingAfter},
 *     {@link BulkCancel#startingAfter}) while more runs may match, or, for a cancel with children, while
 *     descendants of the last run canceled remain under way (the next call goes on with them first); empty when
 *     this call reached the end of the list or of the selection's window
 * @param descendantsCanceled descendant runs canceled with the runs canceled ({@link BulkCancel#children()});
 *     {@code 0} for a retry and a cancel of the runs alone
 * @since 0.2
 */
public record BulkResult(int matched, int acted, Map<BulkSkip, Integer> skippedBy, int failed,
                         Optional<RunPosition> next, int descendantsCanceled) {

    /**
     * Checks the counts.
     *
     * @param matched runs listed that matched
     * @param acted runs acted on
     * @param skippedBy runs left alone, by reason
     * @param failed runs whose action failed
     * @param next where the next call goes on, if more may match
     * @param descendantsCanceled descendant runs canceled with the runs canceled
     * @throws NullPointerException if {@code skippedBy} or {@code next} is {@code null}
     * @throws IllegalArgumentException if a count is negative or they do not add up to {@code matched}
     */
    public BulkResult {
        Objects.requireNonNull(skippedBy, "skippedBy");
        Objects.requireNonNull(next, "next");
        Map<BulkSkip, Integer> counts = new EnumMap<>(BulkSkip.class);
        skippedBy.forEach((reason, count) -> {
            if (count > 0) {
                counts.put(reason, count);
            }
        });
        skippedBy = java.util.Collections.unmodifiableMap(counts);
        int skipped = counts.values().stream().mapToInt(Integer::intValue).sum();
        if (matched < 0 || acted < 0 || failed < 0 || acted + skipped + failed != matched) {
            throw new IllegalArgumentException("matched (" + matched + ") must be acted (" + acted + ") + skipped ("
                    + skipped + ") + failed (" + failed + ")");
        }
        if (descendantsCanceled < 0) {
            throw new IllegalArgumentException("descendantsCanceled must be >= 0, was " + descendantsCanceled);
        }
    }

    /**
     * What a call did that canceled no descendants: a retry, a cancel of the runs alone.
     *
     * @param matched runs listed that matched
     * @param acted runs acted on
     * @param skippedBy runs left alone, by reason
     * @param failed runs whose action failed
     * @param next where the next call goes on, if more may match
     * @throws NullPointerException as the canonical constructor does
     * @throws IllegalArgumentException as the canonical constructor does
     */
    public BulkResult(int matched, int acted, Map<BulkSkip, Integer> skippedBy, int failed,
                      Optional<RunPosition> next) {
        this(matched, acted, skippedBy, failed, next, 0);
    }

    /**
     * Runs left alone, whatever the reason.
     *
     * @return the sum of {@link #skippedBy()}
     */
    public int skipped() {
        return skippedBy.values().stream().mapToInt(Integer::intValue).sum();
    }
}
