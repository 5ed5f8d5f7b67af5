package io.nvent.spi.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The lines nvent logs as it stops, on a JVM whose {@code LogManager} its own shutdown hook has reset
 * (Payara Micro on a SIGTERM): they reach standard error instead of no handler.
 */
class ExitSafeLoggerTest {

    private static final String NAME = "io.nvent.test.ExitSafeLoggerTest";

    private final ByteArrayOutputStream standardError = new ByteArrayOutputStream();
    private final PrintStream err = new PrintStream(standardError, true, StandardCharsets.UTF_8);
    private boolean exiting = true;
    private final System.Logger log = new ExitSafeLogger(System.getLogger(NAME), () -> exiting, () -> err);

    @AfterEach
    void restoreLogging() throws IOException {
        LogManager.getLogManager().readConfiguration();
    }

    private String standardError() {
        return standardError.toString(StandardCharsets.UTF_8);
    }

    @Test
    void linesLoggedAfterTheShutdownHookResetLoggingReachStandardError() {
        LogManager.getLogManager().reset(); // what java.util.logging's shutdown hook does

        log.log(System.Logger.Level.INFO, "NVENT-0116 engine stopped");
        log.log(System.Logger.Level.WARNING, "NVENT-0621 interrupting worker {0} still running after {1}",
                "nvent-worker-order-1", "PT10S");
        log.log(System.Logger.Level.INFO, "NVENT-0625 job j-1 was cut short", new IllegalStateException("interrupted"));

        assertThat(standardError())
                .contains("[INFO] [" + NAME + "] NVENT-0116 engine stopped")
                .contains("[WARNING] [" + NAME + "] NVENT-0621 interrupting worker nvent-worker-order-1 still running "
                        + "after PT10S")
                .contains("NVENT-0625 job j-1 was cut short")
                .contains("java.lang.IllegalStateException: interrupted");
    }

    @Test
    void linesBelowTheLoggersLevelStayOutOfStandardError() {
        LogManager.getLogManager().reset(); // the root logger's level is INFO afterwards

        log.log(System.Logger.Level.DEBUG, "a detail");

        assertThat(standardError()).isEmpty();
    }

    @Test
    void linesAHandlerStillTakesDoNotReachStandardErrorAsWell() {
        List<String> handled = new CopyOnWriteArrayList<>();
        Logger logger = Logger.getLogger(NAME);
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                handled.add(record.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        logger.addHandler(handler);
        try {
            log.log(System.Logger.Level.INFO, "NVENT-0116 engine stopped");
        } finally {
            logger.removeHandler(handler);
        }

        assertThat(handled).containsExactly("NVENT-0116 engine stopped");
        assertThat(standardError()).isEmpty();
    }

    @Test
    void whileTheJvmRunsALoggerWithoutHandlersIsLeftSilentAsConfigured() {
        LogManager.getLogManager().reset();
        exiting = false;

        log.log(System.Logger.Level.INFO, "NVENT-0116 engine stopped");

        assertThat(standardError()).isEmpty();
    }

    @Test
    void aJvmThatRunsIsNotExitingAndItsPlatformLoggersAreMadeExitSafe() {
        assertThat(ExitSafeLogger.jvmExiting()).isFalse();
        assertThat(ExitSafeLogger.of(ExitSafeLoggerTest.class)).isInstanceOf(ExitSafeLogger.class)
                .extracting(System.Logger::getName).isEqualTo(ExitSafeLoggerTest.class.getName());
    }
}
