package io.nvent.spi.internal;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.text.MessageFormat;
import java.time.Instant;
import java.util.MissingResourceException;
import java.util.Objects;
import java.util.ResourceBundle;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * A {@link System.Logger} whose lines still reach the process's standard error while the JVM exits,
 * for the classes that log as nvent stops (the engine's "engine stopped" line, the
 * queues' hand-backs of the attempts the shutdown cut short).
 *
 * <p>On a SIGTERM the JVM runs its shutdown hooks at the same time: the server's, which undeploys the
 * application and so stops nvent, and the one of {@code java.util.logging}'s {@code LogManager},
 * which resets it, closing and removing every handler. On a server that keeps the JDK's
 * {@code LogManager} (Payara Micro: its console handler on the root logger), the reset comes first,
 * and everything logged while the application stops reaches no handler: the operator saw neither
 * that nvent stopped cleanly nor what it handed back. This logger logs through the platform logger as
 * ever and, only when a record reaches no {@code java.util.logging} handler while the JVM is exiting,
 * writes it to standard error as well, one line (and the stack trace of its cause). Where the platform
 * logger is not {@code java.util.logging}'s, or its handlers outlive the shutdown (WildFly), it never
 * writes anything of its own.
 *
 * @since 0.2
 */
public final class ExitSafeLogger implements System.Logger {

    /** Whether {@link System#getLogger} hands out loggers backed by {@code java.util.logging}. */
    private static final boolean JUL_BACKED = "sun.util.logging.internal.LoggingProviderImpl"
            .equals(System.LoggerFinder.getLoggerFinder().getClass().getName());

    private final System.Logger delegate;
    private final BooleanSupplier exiting;
    private final Supplier<PrintStream> fallback;

    /**
     * A logger for a class that logs while nvent stops.
     *
     * @param owner the class; its name names the logger
     * @return the platform logger of that name, writing to standard error what a reset
     *         {@code java.util.logging} would drop while the JVM exits
     */
    public static System.Logger of(Class<?> owner) {
        System.Logger platform = System.getLogger(owner.getName());
        return JUL_BACKED ? new ExitSafeLogger(platform, ExitSafeLogger::jvmExiting, () -> System.err) : platform;
    }

    /**
     * A logger over a platform logger backed by {@code java.util.logging}.
     *
     * @param delegate the platform logger, which logs every record first
     * @param exiting whether the JVM is exiting (asked only for a record that reached no handler)
     * @param fallback where such a record goes then
     */
    public ExitSafeLogger(System.Logger delegate, BooleanSupplier exiting, Supplier<PrintStream> fallback) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.exiting = Objects.requireNonNull(exiting, "exiting");
        this.fallback = Objects.requireNonNull(fallback, "fallback");
    }

    @Override
    public String getName() {
        return delegate.getName();
    }

    @Override
    public boolean isLoggable(Level level) {
        return delegate.isLoggable(level);
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
        delegate.log(level, bundle, msg, thrown);
        if (dropped(level)) {
            write(level, localized(bundle, msg), thrown);
        }
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String format, Object... params) {
        delegate.log(level, bundle, format, params);
        if (dropped(level)) {
            String pattern = localized(bundle, format);
            write(level, params == null || params.length == 0 || pattern == null ? pattern
                    : MessageFormat.format(pattern, params), null);
        }
    }

    /** Whether a record of that level was logged but reached no handler, the JVM exiting. */
    private boolean dropped(Level level) {
        return delegate.isLoggable(level) && reachesNoHandler(delegate.getName()) && exiting.getAsBoolean();
    }

    private void write(Level level, String message, Throwable thrown) {
        StringWriter line = new StringWriter();
        line.append('[').append(Instant.now().toString()).append("] [").append(level.getName()).append("] [")
                .append(getName()).append("] ").append(message).append(System.lineSeparator());
        if (thrown != null) {
            thrown.printStackTrace(new PrintWriter(line));
        }
        PrintStream out = fallback.get();
        out.print(line); // one print: lines of concurrent writers do not interleave
        out.flush();
    }

    private static String localized(ResourceBundle bundle, String key) {
        if (bundle == null || key == null) {
            return key;
        }
        try {
            return bundle.getString(key);
        } catch (MissingResourceException notThere) {
            return key;
        }
    }

    /** Whether a record of the named logger reaches no handler (none on it nor on the parents it uses). */
    static boolean reachesNoHandler(String name) {
        for (java.util.logging.Logger logger = java.util.logging.Logger.getLogger(name); logger != null;
                logger = logger.getParent()) {
            if (logger.getHandlers().length > 0) {
                return false;
            }
            if (!logger.getUseParentHandlers()) {
                return true;
            }
        }
        return true;
    }

    /** Whether the JVM runs its shutdown hooks: it then takes no more of them. */
    static boolean jvmExiting() {
        Thread probe = new Thread(() -> { }, "nvent-exit-probe");
        try {
            Runtime.getRuntime().addShutdownHook(probe);
        } catch (IllegalStateException shutdownInProgress) {
            return true;
        } catch (SecurityException notAllowedToTell) {
            return false;
        }
        Runtime.getRuntime().removeShutdownHook(probe);
        return false;
    }
}
