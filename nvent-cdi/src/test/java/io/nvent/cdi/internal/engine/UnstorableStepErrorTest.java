package io.nvent.cdi.internal.engine;

import io.nvent.EventType;
import io.nvent.FlowStep;
import io.nvent.HistoryEvent;
import io.nvent.InvalidPayloadException;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import io.nvent.spi.EventDraft;
import io.nvent.spi.RunMutation;
import io.nvent.spi.StoredChange;
import io.nvent.testkit.LogRecorder;
import jakarta.json.Json;
import jakarta.json.JsonReader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.logging.SimpleFormatter;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A step's code chooses its error's text, and every failure must be recorded all the same (on-call walk, session
 * 62: on PostgreSQL a message with a NUL, or one larger than the payload limit, could not be stored, so its job came
 * back, was taken for a lost execution, recovered as a stall and failed again, four times a second, for ever).
 */
class UnstorableStepErrorTest {

    /** Fails every attempt with a message the step's input shapes: a NUL, terminal escapes, lines, and its size. */
    @FlowStep(flow = "import", name = "parse", role = StepRole.ENTRY, maxAttempts = 2, backoffDelayMs = 1)
    static class Poison implements Step<Integer, Void> {
        @Override
        public Void execute(Integer size, StepContext ctx) {
            StringBuilder message = new StringBuilder("bad row\u0000\u001b[2J\nSEVERE forged line: ");
            while (message.length() < size) {
                message.append("x\ty\u0001");
            }
            throw new IllegalStateException(message.toString());
        }
    }

    @FlowStep(flow = "book", name = "reserve", role = StepRole.ENTRY, emits = "reserved", compensation = "release")
    static class Reserve implements Step<Integer, Integer> {
        @Override
        public Integer execute(Integer size, StepContext ctx) {
            ctx.emit("reserved", size);
            return size;
        }
    }

    @FlowStep(flow = "book", name = "pay", subscribes = "reserved", maxAttempts = 1)
    static class Pay implements Step<Integer, Void> {
        @Override
        public Void execute(Integer size, StepContext ctx) {
            throw new IllegalStateException("card declined");
        }
    }

    /** A compensation failing with the same poison text as {@link Poison}. */
    @FlowStep(flow = "book", name = "release", role = StepRole.COMPENSATION, maxAttempts = 1)
    static class Release implements Step<Integer, Void> {
        @Override
        public Void execute(Integer size, StepContext ctx) {
            return new Poison().execute(size, ctx);
        }
    }

    /** Refuses what PostgreSQL refuses, as the JPA store does: a NUL in a history entry, or one over its limit. */
    static final class PostgresLikeStore extends MemoryFlowStore {
        private static final Pattern NUL = Pattern.compile("(?<!\\\\)(\\\\\\\\)*\\\\u0000");
        private final int maxBytes;

        PostgresLikeStore() {
            this(1_048_576);
        }

        /** Refusing entries over {@code maxBytes} ({@code nvent.payload.max-bytes}), as the JPA store does. */
        PostgresLikeStore(int maxBytes) {
            this.maxBytes = maxBytes;
        }

        @Override
        public Optional<StoredChange> updateRun(String runId, RunMutation mutation) {
            return super.updateRun(runId, run -> mutation.apply(run).map(change -> {
                change.events().forEach(this::check);
                return change;
            }));
        }

        @Override
        public List<HistoryEvent> appendEvents(String runId, List<EventDraft> events) {
            events.forEach(this::check);
            return super.appendEvents(runId, events);
        }

        private void check(EventDraft event) {
            if (NUL.matcher(event.data()).find()) {
                throw new InvalidPayloadException("data of " + event.type().wireName()
                        + " is not valid JSON: \\u0000 is not allowed (PostgreSQL cannot store it)");
            }
            if (event.data().getBytes(StandardCharsets.UTF_8).length > maxBytes) {
                throw new InvalidPayloadException("data of " + event.type().wireName()
                        + " is larger than the limit of " + maxBytes + " bytes (nvent.payload.max-bytes)");
            }
        }
    }

    private static String error(HistoryEvent event) {
        try (JsonReader reader = Json.createReader(new StringReader(event.data()))) {
            return reader.readObject().getString("error");
        }
    }

    @Test
    void aStepWhoseErrorHoldsANulOrIsLargerThanTheStoreTakesFailsItsRunWithTheStartOfItsError() {
        try (EngineHarness h = new EngineHarness(new PostgresLikeStore(), new MemorySchedulingStore(), "instance-a",
                new Poison())) {
            String small = h.engine.start("import", 100);
            String huge = h.engine.start("import", 600_000);

            h.awaitStatus(small, RunStatus.FAILED);
            h.awaitStatus(huge, RunStatus.FAILED);

            assertThat(h.eventsOf(small, EventType.STEP_STALLED)).as("no failure taken for a lost execution").isEmpty();
            assertThat(h.eventsOf(small, EventType.STEP_RETRY)).singleElement().satisfies(retry -> assertThat(
                    error(retry)).startsWith("bad row\\u0000\u001b[2J\nSEVERE forged line: x\ty\u0001"));
            assertThat(error(h.eventsOf(huge, EventType.STEP_FAILED).get(0)))
                    .startsWith("bad row\\u0000")
                    .containsPattern("… \\(cut: 6\\d{5} characters in all\\)$")
                    .hasSizeLessThan(StepErrors.MAX_LENGTH + 40);
            assertThat(h.engine.run(huge).orElseThrow().error()).get().asString().startsWith("bad row\\u0000");
        }
    }

    /**
     * Review of the walk's fix: a cut to a fixed 8,000 characters, message and stack trace, fits 1 MiB, not a smaller
     * {@code nvent.payload.max-bytes} (at least 1,024 bytes): with 16 KiB the step.failed entry was refused again and
     * the run looped as before.
     */
    @Test
    void aStepsErrorFitsASmallerPayloadLimitToo() {
        int limit = 16_384;
        try (EngineHarness h = EngineHarness.withPayloadLimits(new io.nvent.cdi.internal.engine.Json(limit), new PostgresLikeStore(limit),
                new Poison())) {
            String runId = h.engine.start("import", 20_000);

            h.awaitStatus(runId, RunStatus.FAILED);

            assertThat(h.eventsOf(runId, EventType.STEP_STALLED)).as("no failure taken for a lost execution").isEmpty();
            assertThat(error(h.eventsOf(runId, EventType.STEP_FAILED).get(0))).startsWith("bad row\\u0000")
                    .containsPattern("… \\(cut: 2\\d{4} characters in all\\)$");
        }
    }

    /**
     * Review of the walk's fix: only NVENT-0128 was escaped; a failed compensation's WARNING NVENT-0006 still wrote the
     * run's error, the compensation's text, raw (a forged line, terminal escapes, 8,000 characters).
     */
    @Test
    void aFailedCompensationsErrorIsLoggedOnOneLineToo() {
        try (LogRecorder log = LogRecorder.recordingInfoOf(FlowEngine.class);
             EngineHarness h = new EngineHarness(new Reserve(), new Pay(), new Release())) {
            String runId = h.engine.start("book", 300_000);
            h.awaitStatus(runId, RunStatus.FAILED);

            SimpleFormatter format = new SimpleFormatter();
            await().untilAsserted(() -> assertThat(log.records().stream().map(format::formatMessage))
                    .filteredOn(line -> line.startsWith("NVENT-0006 run " + runId)).singleElement()
                    .satisfies(line -> assertThat(line)
                            .contains("bad row\\\\u0000\\u001b[2J\\nSEVERE forged line: x\\ty\\u0001")
                            .doesNotContain("\n", "\u001b", "\u0000")
                            .hasSizeLessThan(6 * FinalFailureLog.MAX_ERROR_LENGTH + 200)));
        }
    }

    @Test
    void aStepsErrorIsLoggedOnOneLineWithItsControlCharactersEscapedAndCut() {
        try (LogRecorder log = LogRecorder.recordingInfoOf(FlowEngine.class);
             EngineHarness h = new EngineHarness(new Poison())) {
            String runId = h.engine.start("import", 300_000);
            h.awaitStatus(runId, RunStatus.FAILED);

            SimpleFormatter format = new SimpleFormatter();
            await().untilAsserted(() -> assertThat(log.records().stream().map(format::formatMessage))
                    .filteredOn(line -> line.startsWith("NVENT-0128 run " + runId)).singleElement()
                    .satisfies(line -> assertThat(line)
                            .contains("bad row\\\\u0000\\u001b[2J\\nSEVERE forged line: x\\ty\\u0001")
                            .doesNotContain("\n", "\u001b", "\u0000")
                            .hasSizeLessThan(6 * FinalFailureLog.MAX_ERROR_LENGTH + 200)));
        }
    }
}
