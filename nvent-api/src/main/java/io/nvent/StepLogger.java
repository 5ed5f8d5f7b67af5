package io.nvent;

import java.util.Map;

/**
 * Writes {@code log} events into the history of the current run.
 *
 * @since 0.1
 */
public interface StepLogger {

    /** Log levels, as shown in the run timeline. */
    enum Level {
        /** Details for whoever debugs the step. */
        DEBUG,
        /** What the step did, for the run's timeline. */
        INFO,
        /** Something unexpected that the step got past. */
        WARN,
        /** A failure the step reports; logging it does not fail the step, throwing does. */
        ERROR
    }

    /**
     * Appends a log entry.
     *
     * @param level level
     * @param message message
     * @param meta structured details, converted to JSON; may be empty
     */
    void log(Level level, String message, Map<String, ?> meta);

    /**
     * Appends a DEBUG entry.
     *
     * @param message the message
     */
    default void debug(String message) { log(Level.DEBUG, message, Map.of()); }

    /**
     * Appends an INFO entry.
     *
     * @param message the message
     */
    default void info(String message) { log(Level.INFO, message, Map.of()); }

    /**
     * Appends a WARN entry.
     *
     * @param message the message
     */
    default void warn(String message) { log(Level.WARN, message, Map.of()); }

    /**
     * Appends an ERROR entry.
     *
     * @param message the message
     */
    default void error(String message) { log(Level.ERROR, message, Map.of()); }
}
