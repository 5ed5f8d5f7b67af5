package io.nvent.spi;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Who paused a queue, or set its workers at run time, when and why: what the {@link SchedulingStore} keeps with
 * the pause ({@link SchedulingStore#setQueuePaused(String, boolean, QueueChange)}) or the workers
 * ({@link SchedulingStore#setQueueWorkers(String, java.util.OptionalInt, QueueChange)}), so that an operator who finds
 * a queue held back learns it where they look (REST, console, health) rather than only in the audit log.
 *
 * @param by the operator's name ({@link io.nvent.Operator#name()}); empty when the change was made in code, acting
 *     as nobody
 * @param at when, by the engine's clock
 * @param reason why, in the operator's words; empty if they gave none
 * @since 0.2
 */
public record QueueChange(Optional<String> by, Instant at, Optional<String> reason) {

    /**
     * Checks that no part is {@code null} and that {@code by}, when present, is a name.
     *
     * @param by the operator's name, or empty
     * @param at when
     * @param reason why, or empty
     * @throws IllegalArgumentException if {@code by} is blank: no operator's name is, and a change made in code
     *     is by {@code Optional.empty()}
     */
    public QueueChange {
        Objects.requireNonNull(by, "by");
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(reason, "reason");
        if (by.isPresent() && by.get().isBlank()) {
            throw new IllegalArgumentException("a queue change by '" + by.get() + "' refused: no operator's name is"
                    + " blank; a change made in code, acting as nobody, is by Optional.empty()");
        }
    }

    /**
     * A pause made straight on a queue adapter, in code ({@link JobQueue#pause(String)}), on instance {@code instance}
     * at {@code at}: by {@code code@<instance>}, so that whoever finds the queue paused learns that code did it and
     * where, not "unknown"; no reason.
     *
     * @param instance the instance the code ran on (an adapter's instance id, or this process's {@link #thisProcess})
     * @param at when, by the adapter's clock
     * @return the change
     * @throws IllegalArgumentException if {@code instance} is blank
     */
    public static QueueChange inCode(String instance, Instant at) {
        if (Objects.requireNonNull(instance, "instance").isBlank()) {
            throw new IllegalArgumentException("a queue change in code on instance '" + instance
                    + "' refused: name the instance");
        }
        return new QueueChange(Optional.of(IN_CODE + instance), at, Optional.empty());
    }

    /** What {@link #inCode} puts before the instance: a change by {@code code@<instance>}. */
    public static final String IN_CODE = "code@";

    /**
     * This process, for an adapter with no instance id of its own (the in-memory and JMS queues, whose pauses hold in
     * this process only): its host name and process id, {@code shop-1:4711}.
     *
     * @return the host name, a colon and the process id
     */
    public static String thisProcess() {
        return ThisProcess.NAME;
    }

    /** Looked up once, on first use: a host name lookup can hang for seconds, and every pause in code asks it. */
    private static final class ThisProcess {
        static final String NAME = lookUp();

        private static String lookUp() {
            String host;
            try {
                host = java.net.InetAddress.getLocalHost().getHostName();
            } catch (java.io.IOException | SecurityException e) {
                host = "localhost";
            }
            return host + ":" + ProcessHandle.current().pid();
        }
    }
}
