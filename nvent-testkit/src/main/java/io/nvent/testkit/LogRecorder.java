package io.nvent.testkit;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Records what reaches {@code java.util.logging}'s root logger while it is open: where
 * {@link System.Logger} writes by default, and what an application server shows in its log. Lets a
 * test check what an operator would read.
 *
 * <pre>{@code
 * try (LogRecorder log = LogRecorder.recording(entry -> entry.getMessage().startsWith("NVENT-"))) {
 *     ...
 *     assertThat(log.containing("run 'r-1'")).hasSize(1);
 * }
 * }</pre>
 */
public final class LogRecorder implements AutoCloseable {

    private final List<LogRecord> records = new CopyOnWriteArrayList<>();
    private final Handler handler;

    private LogRecorder(Predicate<LogRecord> which) {
        handler = new Handler() {
            @Override
            public void publish(LogRecord entry) {
                if (which.test(entry)) {
                    records.add(entry);
                }
            }

            @Override
            public void flush() {
                // kept in memory
            }

            @Override
            public void close() {
                // nothing held
            }
        };
        Logger.getLogger("").addHandler(handler);
    }

    /**
     * Starts recording the entries {@code which} accepts.
     *
     * @param which the entries to keep
     * @return the recorder; close it to stop recording
     */
    public static LogRecorder recording(Predicate<LogRecord> which) {
        return new LogRecorder(Objects.requireNonNull(which, "which"));
    }

    /**
     * Starts recording what the logger named after {@code source} logs at INFO and above.
     *
     * @param source the class whose logger to listen to
     * @return the recorder; close it to stop recording
     */
    public static LogRecorder recordingInfoOf(Class<?> source) {
        String name = source.getName();
        return recording(entry -> name.equals(entry.getLoggerName())
                && entry.getLevel().intValue() >= java.util.logging.Level.INFO.intValue());
    }

    /**
     * What was recorded so far, oldest first.
     *
     * @return a copy of the entries recorded
     */
    public List<LogRecord> records() {
        return List.copyOf(records);
    }

    /**
     * The recorded entries whose message (unformatted) contains {@code text}, oldest first.
     *
     * @param text text to look for
     * @return the matching entries; empty if none
     */
    public List<LogRecord> containing(String text) {
        return records.stream().filter(entry -> String.valueOf(entry.getMessage()).contains(text)).toList();
    }

    /**
     * The (unformatted) messages of the recorded entries that contain {@code text}, oldest first.
     *
     * @param text text to look for
     * @return the messages; empty if none
     */
    public List<String> messagesContaining(String text) {
        return containing(text).stream().map(LogRecord::getMessage).toList();
    }

    /** Stops recording. */
    @Override
    public void close() {
        Logger.getLogger("").removeHandler(handler);
    }
}
