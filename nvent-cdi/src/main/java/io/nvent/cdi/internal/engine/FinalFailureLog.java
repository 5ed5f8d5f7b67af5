package io.nvent.cdi.internal.engine;

import io.nvent.AwaitPosition;
import io.nvent.spi.internal.LogText;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Logs steps that failed for good so that an outage keeps the log readable: the first
 * {@link #IN_FULL} runs of a flow and step within a minute each get their {@code NVENT-0128}
 * line, the others of that minute one {@code NVENT-0196} line counting them, with the first of
 * their errors, once the minute is over (QA: a partner away failed 300 runs, and 300 lines hid
 * everything else). The minute starts with the first failure of the flow and step, so a lone
 * failure is logged at once, as always. Only the log is held back: each run's history and the
 * metrics keep every failure.
 *
 * <p>Thread-safe; the summaries are written by the failures that find a minute over and by the
 * sweep ({@link #logDue}), so that they come without waiting for another failure.
 */
final class FinalFailureLog {

    /** Runs of a flow and step logged in full per minute. */
    static final int IN_FULL = 3;
    static final Duration WINDOW = Duration.ofMinutes(1);
    /** The most characters of a step's error a line shows. */
    static final int MAX_ERROR_LENGTH = 1_000;

    private final System.Logger log;
    /** Guarded by itself. */
    private final Map<Key, Window> windows = new HashMap<>();

    private record Key(String flow, String step) {
    }

    /** One flow and step's minute: how many failures it logged, and what it holds back. */
    private static final class Window {
        final Instant start;
        int logged;
        int held;
        String firstHeldError;

        Window(Instant start) {
            this.start = start;
        }
    }

    FinalFailureLog(System.Logger log) {
        this.log = log;
    }

    /** A step failed for good: logged in full, or counted for its minute's summary. */
    void failed(String runId, String flow, String step, int attempt, int maxAttempts, String error, Instant now) {
        failed(runId, flow, step, "after attempt " + attempt + " of " + maxAttempts, error, now);
    }

    /** A step failed for good with attempts left, after a failure not worth a retry of the given type. */
    void failedNotRetried(String runId, String flow, String step, int attempt, int maxAttempts, String type,
                          String error, Instant now) {
        failed(runId, flow, step, "after attempt " + attempt + " of " + maxAttempts + ", not retried (" + type + ")",
                error, now);
    }

    /**
     * A step failed for good at an await (one timed out with {@code FAIL}, an after-await whose held
     * emits no longer fit its run): no attempt of it failed, but its run did all the same.
     */
    void failedAtAwait(String runId, String flow, String step, AwaitPosition position, String error, Instant now) {
        failed(runId, flow, step, "at its " + position.wireName() + "-await", error, now);
    }

    private void failed(String runId, String flow, String step, String when, String stepError, Instant now) {
        // The step's code chose the text: one line of it, escaped and cut, so that it cannot forge lines of the
        // server's, move the terminal of whoever reads the log, or fill it (the history keeps the whole error).
        String error = LogText.of(stepError, MAX_ERROR_LENGTH);
        List<String> summaries = new ArrayList<>();
        boolean inFull;
        synchronized (windows) {
            takeDue(now, summaries);
            Window window = windows.computeIfAbsent(new Key(flow, step), key -> new Window(now));
            inFull = window.logged < IN_FULL;
            if (inFull) {
                window.logged++;
            } else if (window.held++ == 0) {
                window.firstHeldError = error;
            }
        }
        summaries.forEach(this::warn);
        if (inFull) {
            log.log(System.Logger.Level.WARNING, "NVENT-0128 run {0} of flow {1}: step {2} failed for good {3}: {4}",
                    runId, flow, step, when, error);
        }
    }

    /** Logs the summaries of the minutes over by {@code now}. */
    void logDue(Instant now) {
        List<String> summaries = new ArrayList<>();
        synchronized (windows) {
            takeDue(now, summaries);
        }
        summaries.forEach(this::warn);
    }

    /** Logs what is held back now, minute over or not: the engine stops. */
    void logAll() {
        logDue(Instant.MAX);
    }

    /** Ends the minutes over by {@code now}, collecting their summaries; holding the lock. */
    private void takeDue(Instant now, List<String> summaries) {
        for (Iterator<Map.Entry<Key, Window>> it = windows.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Key, Window> entry = it.next();
            Window window = entry.getValue();
            if (now != Instant.MAX && now.isBefore(window.start.plus(WINDOW))) {
                continue;
            }
            it.remove();
            if (window.held > 0) {
                summaries.add("NVENT-0196 and " + window.held + " more run(s) of flow " + entry.getKey().flow()
                        + " step " + entry.getKey().step() + " failed for good in the minute since " + window.start
                        + " (NVENT-0128 gave the first " + IN_FULL + "; each run's history has its error) with: "
                        + window.firstHeldError);
            }
        }
    }

    private void warn(String summary) {
        log.log(System.Logger.Level.WARNING, summary);
    }
}
