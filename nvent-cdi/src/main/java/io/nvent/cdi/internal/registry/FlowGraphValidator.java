package io.nvent.cdi.internal.registry;

import io.nvent.AwaitType;
import io.nvent.Misfire;
import io.nvent.StartOptions;
import io.nvent.Step;
import io.nvent.StepRole;
import io.nvent.Trigger;
import io.nvent.TriggerSpec;
import io.nvent.TriggerType;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Checks declared steps for mistakes that would make a flow misbehave at run time. Every problem
 * message names the class and says how to fix it.
 */
public final class FlowGraphValidator {

    private FlowGraphValidator() {
    }

    /** All problems found; empty when the declarations form valid flows. */
    public static List<String> validate(List<StepDeclaration> declarations) {
        List<String> problems = new ArrayList<>();
        Map<Class<?>, List<StepDeclaration>> byClass = declarations.stream()
                .collect(Collectors.groupingBy(StepDeclaration::beanClass, LinkedHashMap::new, Collectors.toList()));
        // A class is one step of a flow: its further annotations for a flow it already has are reported
        // once, here, not again as a flow's second entry or second step of the same name.
        List<StepDeclaration> steps = new ArrayList<>();
        byClass.forEach((beanClass, ofClass) -> {
            for (StepDeclaration step : ofClass) {
                checkStep(step, problems);
            }
            checkStepClass(ofClass, problems);
            steps.addAll(withoutRepeatedFlows(ofClass, problems));
        });
        Map<String, List<StepDeclaration>> byFlow = steps.stream()
                .filter(d -> !d.flow().isBlank())
                .collect(Collectors.groupingBy(StepDeclaration::flow, LinkedHashMap::new, Collectors.toList()));
        byFlow.forEach((flow, ofFlow) -> checkFlow(flow, ofFlow, problems));
        checkTriggerConsistency(byClass, problems);
        return problems;
    }

    private static List<StepDeclaration> withoutRepeatedFlows(List<StepDeclaration> ofClass, List<String> problems) {
        Map<String, List<StepDeclaration>> byFlow = ofClass.stream()
                .collect(Collectors.groupingBy(StepDeclaration::flow, LinkedHashMap::new, Collectors.toList()));
        List<StepDeclaration> kept = new ArrayList<>();
        byFlow.forEach((flow, same) -> {
            kept.add(same.get(0));
            if (same.size() > 1 && !flow.isBlank()) {
                problems.add("NVENT-0180 " + same.get(0).beanClass().getName() + " is annotated @FlowStep "
                        + same.size() + " times for flow '" + flow + "' (steps " + same.stream()
                        .map(d -> "'" + d.name() + "'").collect(Collectors.joining(", ")) + "); a class is one step "
                        + "of a flow: keep one @FlowStep per flow, or write a class for each step");
            }
        });
        return kept;
    }

    /**
     * The problems of steps whose {@link io.nvent.FlowStep#retryDecider()} cannot be had: one per step and
     * class that {@code available} does not know, saying {@code why}.
     */
    public static List<String> checkRetryDeciders(List<StepDeclaration> declarations, Predicate<Class<?>> available,
                                                  String why) {
        return checkRetryDeciders(declarations, available, "NVENT-0599", why);
    }

    /**
     * As {@link #checkRetryDeciders(List, Predicate, String)}, each message with the id {@code messageId} (a
     * warning's, say).
     */
    public static List<String> checkRetryDeciders(List<StepDeclaration> declarations, Predicate<Class<?>> available,
                                                  String messageId, String why) {
        return declarations.stream().filter(d -> d.retryDecider().filter(available.negate()).isPresent())
                .map(d -> messageId + " " + d.describe() + ": its retryDecider " + d.retryDecider().get().getName()
                        + " " + why).toList();
    }

    /** The longest flow, step or queue name the stores keep. */
    static final int MAX_NAME_LENGTH = 255;

    /** The shortest heartbeat timeout a step may declare: a heartbeat must have a chance between two looks. */
    static final Duration SHORTEST_HEARTBEAT_TIMEOUT = Duration.ofSeconds(1);

    /** What one annotation declares. */
    private static void checkStep(StepDeclaration step, List<String> problems) {
        String where = "NVENT-0101 " + step.describe() + ": ";
        if (step.flow().isBlank()) {
            problems.add(where + "@FlowStep(flow = ...) must name a flow");
        }
        // Stores keep names in columns of this width: a longer one would deploy, then refuse every start.
        for (String[] name : new String[][] {{"flow", step.flow()}, {"name", step.name()}, {"queue", step.queue()}}) {
            boolean queueNamedAfterFlow = name[0].equals("queue") && step.queue().equals(step.flow().trim());
            if (name[1].length() > MAX_NAME_LENGTH && !queueNamedAfterFlow) {
                problems.add(where + "the " + name[0] + " has " + name[1].length() + " characters, more than the "
                        + MAX_NAME_LENGTH + " a store keeps");
            }
        }
        if (step.role() == StepRole.STEP && step.subscribes().isEmpty()) {
            problems.add(where + "a non-entry step must subscribe to at least one event; "
                    + "add subscribes = {\"...\"} or make it role = StepRole.ENTRY");
        }
        if (step.role() == StepRole.ENTRY && !step.subscribes().isEmpty()) {
            problems.add(where + "an entry step receives the run input and cannot subscribe to events; "
                    + "remove subscribes or make it role = StepRole.STEP");
        }
        if (step.role() == StepRole.COMPENSATION) {
            List<String> given = new ArrayList<>();
            if (!step.subscribes().isEmpty()) {
                given.add("subscribes " + step.subscribes());
            }
            if (!step.emits().isEmpty()) {
                given.add("emits " + step.emits());
            }
            if (!step.triggers().isEmpty()) {
                given.add("a @Trigger");
            }
            if (step.awaitBefore().isPresent() || step.awaitAfter().isPresent()) {
                given.add("an await");
            }
            if (step.compensation().isPresent()) {
                given.add("compensation = \"" + step.compensation().get() + "\"");
            }
            if (!given.isEmpty()) {
                problems.add(where + "a compensation step (role = StepRole.COMPENSATION) runs only to undo the steps"
                        + " that name it, with their output: it subscribes to nothing, emits nothing, and has no"
                        + " trigger, await or compensation of its own; remove " + String.join(", ", given)
                        + " or make it role = StepRole.STEP");
            }
        }
        if (step.maxAttempts() < 0) {
            problems.add(where + "maxAttempts must be >= 1 (or 0 for the configured default), was "
                    + step.maxAttempts());
        }
        if (step.backoffDelayMs() < -1 || step.backoffMaxDelayMs() < -1) {
            problems.add(where + "backoffDelayMs and backoffMaxDelayMs must be >= 0 (or -1 for the configured "
                    + "default), were " + step.backoffDelayMs() + " and " + step.backoffMaxDelayMs());
        } else if (step.backoffDelayMs() >= 0 && step.backoffMaxDelayMs() >= 0
                && step.backoffMaxDelayMs() < step.backoffDelayMs()) {
            problems.add(where + "backoffMaxDelayMs (" + step.backoffMaxDelayMs() + ") is shorter than backoffDelayMs ("
                    + step.backoffDelayMs() + "); the upper bound of the delay cannot be below its start");
        }
        if (step.timeoutMs() < 0) {
            problems.add(where + "timeoutMs must be positive (or 0 for the configured default), was "
                    + step.timeoutMs());
        }
        checkRunTimeout(step, where, problems);
        checkHeartbeatTimeout(step, where, problems);
        checkLongestDelay(where, "backoffDelayMs", step.backoffDelayMs(), problems);
        checkLongestDelay(where, "backoffMaxDelayMs", step.backoffMaxDelayMs(), problems);
        checkRetrySchedule(step, where, problems);
    }

    /** A list of retry delays replaces the backoff, and sets the attempts unless they are given. */
    private static void checkRetrySchedule(StepDeclaration step, String where, List<String> problems) {
        List<Long> delays = step.retryDelaysMs();
        for (int i = 0; i < delays.size(); i++) {
            if (delays.get(i) < 0) {
                problems.add(where + "retryDelaysMs must not be negative, the delay before attempt " + (i + 2)
                        + " was " + delays.get(i) + " (of " + delays + ")");
            }
            checkLongestDelay(where, "retryDelaysMs[" + i + "]", delays.get(i), problems);
        }
        if (!delays.isEmpty() && step.givesBackoff()) {
            problems.add(where + "retryDelaysMs " + delays + " is the whole retry schedule, and the step also gives"
                    + " a backoff (backoff = FIXED, backoffDelayMs or backoffMaxDelayMs); keep one of them");
        }
        if (step.maxAttempts() > 0 && delays.size() > step.maxAttempts() - 1) {
            problems.add(where + "retryDelaysMs lists " + delays.size() + " delays, more than the "
                    + (step.maxAttempts() - 1) + " retries of maxAttempts = " + step.maxAttempts() + "; drop the delays"
                    + " never waited, or raise maxAttempts (or leave it out: it is then one more than the delays listed)");
        }
        double jitter = step.retryJitter();
        if (jitter != -1 && !(jitter >= 0 && jitter <= 1)) {
            problems.add(where + "retryJitter is the fraction by which a retry delay is spread either way, from 0"
                    + " (none) to 1 (or -1 for the configured default), was " + jitter);
        }
    }

    /**
     * A heartbeat timeout is long enough for a heartbeat to arrive between the watchdog's looks, and shorter than the
     * attempt's timeout, which would end the attempt first. One below a configured default timeout is checked where
     * the default applies ({@link FlowRegistry#build}).
     */
    private static void checkHeartbeatTimeout(StepDeclaration step, String where, List<String> problems) {
        long heartbeat = step.heartbeatTimeoutMs();
        if (heartbeat == 0) {
            return;
        }
        if (heartbeat < SHORTEST_HEARTBEAT_TIMEOUT.toMillis()) {
            problems.add(where + "heartbeatTimeoutMs must be at least " + SHORTEST_HEARTBEAT_TIMEOUT.toMillis()
                    + " ms (or 0 for none), was " + heartbeat);
        } else if (step.timeoutMs() > 0 && heartbeat >= step.timeoutMs()) {
            problems.add(heartbeatNotBelowTimeout(where, heartbeat, step.timeoutMs() + " ms (timeoutMs)"));
        }
    }

    /** The problem of a heartbeat timeout that the attempt's timeout would always come before. */
    static String heartbeatNotBelowTimeout(String where, long heartbeatMs, String timeout) {
        return where + "heartbeatTimeoutMs (" + heartbeatMs + ") must be below the attempt's timeout of " + timeout
                + ", which would end the attempt first; shorten it, or lengthen the timeout";
    }

    /** A flow's run timeout is declared once, on its entry step, and bounded as a start's. */
    private static void checkRunTimeout(StepDeclaration step, String where, List<String> problems) {
        if (step.runTimeoutMs() == 0) {
            return;
        }
        if (step.role() != StepRole.ENTRY) {
            problems.add(where + "runTimeoutMs = " + step.runTimeoutMs() + " is for the whole run of the flow: declare"
                    + " it on the flow's entry step (role = StepRole.ENTRY), not on a downstream step");
        } else if (step.runTimeoutMs() < 0 || step.runTimeoutMs() > StartOptions.LONGEST_RUN_TIMEOUT.toMillis()) {
            problems.add(where + "runTimeoutMs must be positive and at most " + StartOptions.LONGEST_RUN_TIMEOUT.toMillis()
                    + " ms (366 days, StartOptions.LONGEST_RUN_TIMEOUT), or 0 for no deadline, was "
                    + step.runTimeoutMs());
        }
    }

    /**
     * A delay so long that its due time would not fit an instant (or a database's timestamp) failed
     * with an ArithmeticException only when a run first waited on it; it is a mistake, found here.
     */
    private static void checkLongestDelay(String where, String attribute, long millis, List<String> problems) {
        if (millis > StartOptions.LONGEST_DELAY.toMillis()) {
            problems.add(where + attribute + " = " + millis + " is longer than StartOptions.LONGEST_DELAY ("
                    + StartOptions.LONGEST_DELAY.toMillis() + " ms, 100 years)");
        }
    }

    /**
     * What the class declares for all its flows (its type, awaits and triggers), checked once
     * however many flows it is a step of.
     */
    private static void checkStepClass(List<StepDeclaration> ofClass, List<String> problems) {
        StepDeclaration step = ofClass.get(0);
        String where = "NVENT-0101 " + (ofClass.size() == 1 ? step.describe()
                : ofClass.stream().map(d -> "step '" + d.name() + "' of flow '" + d.flow() + "'")
                .collect(Collectors.joining(", ")) + " (" + step.beanClass().getName() + ")") + ": ";
        if (!Step.class.isAssignableFrom(step.beanClass())) {
            problems.add(where + "the class is annotated @FlowStep but does not implement io.nvent.Step; "
                    + "implement Step<Input, Output> with an execute(Input, StepContext) method");
        } else if (StepTypes.inputType(step.beanClass()).isEmpty()) {
            problems.add(where + "the class implements io.nvent.Step without a concrete input type; "
                    + "declare it as Step<Input, Output>, e.g. Step<Map<String, Object>, Void>");
        }
        ofClass.forEach(declaration -> checkSubscriberInput(declaration, problems));
        step.awaitBefore().ifPresent(a -> checkAwait(where + "@AwaitBefore: ", a.type(), a.delayMs(), a.cron(),
                a.timezone(), a.event(), a.timeoutMs(), a.timeoutRetries(), problems));
        step.awaitAfter().ifPresent(a -> checkAwait(where + "@AwaitAfter: ", a.type(), a.delayMs(), a.cron(),
                a.timezone(), a.event(), a.timeoutMs(), a.timeoutRetries(), problems));
        step.awaitBefore().ifPresent(a -> checkAwaitAttributesOfItsType(where + "@AwaitBefore: ", a, problems));
        step.awaitAfter().ifPresent(a -> checkAwaitAttributesOfItsType(where + "@AwaitAfter: ", a, problems));
        List<String> entryOf = ofClass.stream().filter(d -> d.role() == StepRole.ENTRY).map(StepDeclaration::flow)
                .toList();
        for (Trigger trigger : step.triggers()) {
            String at = where + "@Trigger '" + trigger.name() + "': ";
            if (entryOf.isEmpty()) {
                problems.add(at + "triggers start flows, so they belong on the entry step" + (ofClass.size() == 1 ? ""
                        : "; the class is the entry step of none of its flows " + ofClass.stream()
                        .map(StepDeclaration::flow).toList()));
            }
            checkTrigger(at, trigger, problems);
        }
    }

    /**
     * A subscribing step receives one member per event ({@code {"order.received": {...}}}): its own
     * class without a property of each event's name would be read with every property null, as
     * JSON-B leaves out the members a class lacks.
     */
    private static void checkSubscriberInput(StepDeclaration step, List<String> problems) {
        if (step.role() != StepRole.STEP || step.subscribes().isEmpty()) {
            return;
        }
        Optional<Class<?>> input = StepTypes.inputType(step.beanClass()).flatMap(InputProperties::userClass);
        if (input.isEmpty()) {
            return;
        }
        Set<String> properties = InputProperties.of(input.get());
        List<String> missing = step.subscribes().stream().filter(event -> !properties.contains(event)).toList();
        if (missing.isEmpty()) {
            return;
        }
        String event = step.subscribes().get(0);
        problems.add("NVENT-0187 " + step.describe() + " reads its input as " + input.get().getName()
                + ", which has no property for event" + (missing.size() == 1 ? " '" + missing.get(0) + "'"
                : "s " + missing) + " of its subscriptions " + step.subscribes() + " (its properties are " + properties
                + "); a subscribing step's input is a JSON object with one member per event, {\"" + event
                + "\": <payload>}, so every property would be null. Declare the input as a class with one property "
                + "per event (e.g. record Input(@JsonbProperty(\"" + event + "\") " + "Payload payload)), or as "
                + "Map<String, Object> or JsonObject");
    }

    private static void checkAwait(String where, AwaitType type, long delayMs, String cron, String zone, String event,
                                   long timeoutMs, int timeoutRetries, List<String> problems) {
        if (type == AwaitType.TIME && delayMs <= 0) {
            problems.add(where + "a TIME await needs delayMs > 0");
        }
        checkLongestDelay(where, "delayMs", delayMs, problems);
        checkLongestDelay(where, "timeoutMs", timeoutMs, problems);
        if (type == AwaitType.SCHEDULE) {
            TriggerRules.cronProblem(cron).ifPresent(problem -> problems.add(where + problem));
        }
        if (type == AwaitType.EVENT && event.isBlank()) {
            problems.add(where + "an EVENT await needs event = \"...\"");
        }
        // As @FlowStep's: a negative timeout would silently take the configured default.
        if (timeoutMs < 0) {
            problems.add(where + "timeoutMs must be positive (or 0 for the configured default), was " + timeoutMs);
        }
        if (timeoutRetries < -1) {
            problems.add(where + "timeoutRetries must be >= 0 (or -1 for the configured default), was "
                    + timeoutRetries);
        }
        TriggerRules.zoneProblem(zone).ifPresent(problem -> problems.add(where + problem));
    }

    /** The attributes of an await that only one of its types reads, and that type, in a fixed order. */
    private static final List<Map.Entry<String, AwaitType>> AWAIT_ATTRIBUTE_TYPES = List.of(
            Map.entry("delayMs", AwaitType.TIME), Map.entry("cron", AwaitType.SCHEDULE),
            Map.entry("timezone", AwaitType.SCHEDULE), Map.entry("event", AwaitType.EVENT),
            Map.entry("filterKey", AwaitType.EVENT));

    /**
     * An attribute another type's await reads would be ignored ({@code delayMs = 5000} on a webhook
     * await waits the default 24 h, not 5 s), as a trigger's are refused ({@link TriggerRules}). An
     * attribute counts as given when it differs from the annotation's default, read from the
     * annotation type itself so that a changed default cannot make this check wrong.
     */
    private static void checkAwaitAttributesOfItsType(String where, java.lang.annotation.Annotation await,
                                                      List<String> problems) {
        try {
            AwaitType type = (AwaitType) await.annotationType().getMethod("type").invoke(await);
            for (Map.Entry<String, AwaitType> attribute : AWAIT_ATTRIBUTE_TYPES) {
                java.lang.reflect.Method method = await.annotationType().getMethod(attribute.getKey());
                Object value = method.invoke(await);
                if (attribute.getValue() != type && !value.equals(method.getDefaultValue())) {
                    problems.add(where + attribute.getKey() + " = " + (value instanceof String ? "\"" + value + "\""
                            : value) + " belongs to " + attribute.getValue() + " awaits only, and this one is a "
                            + type + " await, which ignores it; remove it, or make the await's type "
                            + attribute.getValue());
                }
            }
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("an await annotation without the attributes of @AwaitBefore: "
                    + await.annotationType(), e);
        }
    }

    private static void checkTrigger(String where, Trigger trigger, List<String> problems) {
        TriggerRules.of(trigger).problems().forEach(problem -> problems.add(where + problem));
        checkMisfire(where, trigger, problems);
        checkConcurrencyKey(where, trigger, problems);
        checkLabels(where, trigger, problems);
        checkRunTimeout(where, trigger, problems);
        TriggerRules.exclusionProblem(trigger.name(), trigger.type(), List.of(trigger.exclude()))
                .ifPresent(problem -> problems.add(where + problem));
        checkDebounce(where, trigger, problems);
        checkBatch(where, trigger, problems);
    }

    /** Batching as {@link TriggerSpec} checks it, the window read as ISO-8601 text, quoted as written if it is none. */
    private static void checkBatch(String where, Trigger trigger, List<String> problems) {
        if (trigger.batchMax() == 0 && trigger.batchWindow().isBlank()) {
            if (!trigger.batchKeyFrom().isEmpty()) {
                problems.add(where + "batchKeyFrom goes with batchMax and batchWindow; give them too (batchMax = 100,"
                        + " batchWindow = \"PT10S\"), or leave it out");
            }
            return;
        }
        if (trigger.batchWindow().isBlank()) {
            problems.add(where + "batchMax = " + trigger.batchMax() + " goes with a batchWindow, how long a batch's"
                    + " first fire waits for more; give it too (batchWindow = \"PT10S\")");
            return;
        }
        String name = TriggerSpec.isValidName(trigger.name()) ? trigger.name() : "trigger";
        debounceDuration(where, "batchWindow", trigger.batchWindow(), problems).ifPresent(window -> {
            try {
                TriggerSpec.checkBatch(name, trigger.type(), trigger.batchMax(), window,
                        Optional.ofNullable(blankAsNone(trigger.batchKeyFrom())), !trigger.debounce().isBlank());
            } catch (IllegalArgumentException e) {
                problems.add(where + e.getMessage());
            }
        });
    }

    /** A debounce as {@link TriggerSpec} checks it, each duration read as ISO-8601 text, quoted as written if it is none. */
    private static void checkDebounce(String where, Trigger trigger, List<String> problems) {
        if (trigger.debounce().isBlank()) {
            if (!trigger.debounceKeyFrom().isEmpty() || !trigger.debounceMax().isBlank()) {
                problems.add(where + "debounceKeyFrom and debounceMax go with a debounce; give the quiet"
                        + " period too (debounce = \"PT30S\"), or leave them out");
            }
            return;
        }
        String name = TriggerSpec.isValidName(trigger.name()) ? trigger.name() : "trigger";
        Optional<Duration> window = debounceDuration(where, "debounce", trigger.debounce(), problems);
        Optional<Duration> max = trigger.debounceMax().isBlank() ? Optional.empty()
                : debounceDuration(where, "debounceMax", trigger.debounceMax(), problems);
        if (window.isEmpty() || (!trigger.debounceMax().isBlank() && max.isEmpty())) {
            return;
        }
        try {
            TriggerSpec.checkDebounce(name, trigger.type(), window.get(),
                    Optional.ofNullable(blankAsNone(trigger.debounceKeyFrom())), max);
        } catch (IllegalArgumentException e) {
            problems.add(where + e.getMessage());
        }
    }

    private static Optional<Duration> debounceDuration(String where, String attribute, String text,
                                                       List<String> problems) {
        try {
            return Optional.of(Duration.parse(text.trim()));
        } catch (DateTimeParseException e) {
            problems.add(where + attribute + " = \"" + text + "\" is no ISO-8601 duration; write it as"
                    + " \"PT30S\", \"PT5M\" or \"P1D\"");
            return Optional.empty();
        }
    }

    private static String blankAsNone(String attribute) {
        return attribute.isEmpty() ? null : attribute;
    }

    private static void checkRunTimeout(String where, Trigger trigger, List<String> problems) {
        if (trigger.runTimeout().isBlank()) {
            return;
        }
        try {
            TriggerSpec.checkRunTimeout(TriggerSpec.isValidName(trigger.name()) ? trigger.name() : "trigger",
                    Duration.parse(trigger.runTimeout().trim()));
        } catch (DateTimeParseException e) {
            problems.add(where + "runTimeout = \"" + trigger.runTimeout() + "\" is no ISO-8601 duration; write it as"
                    + " \"PT2H\", \"PT30M\" or \"P2D\", or leave it out for the flow's own run timeout");
        } catch (IllegalArgumentException e) {
            problems.add(where + e.getMessage());
        }
    }

    private static void checkLabels(String where, Trigger trigger, List<String> problems) {
        try {
            StartOptions.requireValidLabels(List.of(trigger.labels()));
        } catch (IllegalArgumentException e) {
            problems.add(where + "labels: " + e.getMessage());
        }
    }

    private static void checkConcurrencyKey(String where, Trigger trigger, List<String> problems) {
        try {
            TriggerSpec.checkConcurrencyKey(TriggerSpec.isValidName(trigger.name()) ? trigger.name() : "trigger",
                    trigger.type(), given(trigger.concurrencyKey()), given(trigger.concurrencyKeyFrom()),
                    given(trigger.concurrencyKeyPrefix()));
            TriggerSpec.checkConcurrencyLimit(TriggerSpec.isValidName(trigger.name()) ? trigger.name() : "trigger",
                    trigger.concurrencyLimit(), given(trigger.concurrencyKey()), given(trigger.concurrencyKeyFrom()));
            TriggerSpec.checkOverlap(TriggerSpec.isValidName(trigger.name()) ? trigger.name() : "trigger",
                    trigger.overlap(), trigger.concurrencyLimit());
        } catch (IllegalArgumentException e) {
            problems.add(where + e.getMessage());
        }
    }

    /** An annotation's text attribute, empty (its default) for none. */
    private static Optional<String> given(String attribute) {
        return attribute.isEmpty() ? Optional.empty() : Optional.of(attribute);
    }

    private static void checkMisfire(String where, Trigger trigger, List<String> problems) {
        if (trigger.type() != TriggerType.SCHEDULE) {
            if (trigger.misfire() != Misfire.INHERIT || !trigger.misfireGrace().isBlank()) {
                problems.add(where + "misfire and misfireGrace belong to SCHEDULE triggers only (they say "
                        + "what a start does with ticks missed while no instance ran); this one is " + trigger.type());
            }
            return;
        }
        if (trigger.misfireGrace().isBlank()) {
            return;
        }
        String name = TriggerSpec.isValidName(trigger.name()) ? trigger.name() : "trigger";
        try {
            TriggerSpec.checkMisfireGrace(name, Duration.parse(trigger.misfireGrace().trim()), trigger.misfireGrace());
        } catch (DateTimeParseException e) {
            problems.add(where + "misfireGrace = \"" + trigger.misfireGrace() + "\" is no ISO-8601 "
                    + "duration; write it as \"PT1H\", \"PT30M\" or \"P1D\", or leave it out to inherit "
                    + "nvent.triggers.misfire-grace");
        } catch (IllegalArgumentException e) {
            problems.add(where + e.getMessage());
        }
    }

    private static void checkTriggerConsistency(Map<Class<?>, List<StepDeclaration>> byClass,
                                                List<String> problems) {
        Map<String, Trigger> byName = new LinkedHashMap<>();
        for (List<StepDeclaration> ofClass : byClass.values()) {
            StepDeclaration step = ofClass.get(0);
            for (Trigger trigger : step.triggers()) {
                Trigger first = byName.putIfAbsent(trigger.name(), trigger);
                if (first != null && (first.type() != trigger.type() || !first.cron().equals(trigger.cron())
                        || !first.every().equals(trigger.every()) || first.misfire() != trigger.misfire()
                        || !first.misfireGrace().equals(trigger.misfireGrace())
                        || !first.runTimeout().equals(trigger.runTimeout())
                        || !first.concurrencyKey().equals(trigger.concurrencyKey())
                        || !first.concurrencyKeyFrom().equals(trigger.concurrencyKeyFrom())
                        || !first.concurrencyKeyPrefix().equals(trigger.concurrencyKeyPrefix())
                        || first.concurrencyLimit() != trigger.concurrencyLimit() || first.overlap() != trigger.overlap()
                        || !List.of(first.exclude()).equals(List.of(trigger.exclude()))
                        || !first.debounce().equals(trigger.debounce())
                        || !first.debounceKeyFrom().equals(trigger.debounceKeyFrom())
                        || !first.debounceMax().equals(trigger.debounceMax())
                        || !new HashSet<>(List.of(first.labels())).equals(new HashSet<>(List.of(trigger.labels())))
                        || !first.event().equals(trigger.event()) || !first.filter().equals(trigger.filter())
                        || !first.timezone().equals(trigger.timezone()))) {
                    problems.add("NVENT-0107 trigger '" + trigger.name() + "' is declared differently on "
                            + step.describe() + " than elsewhere; declarations of one trigger must agree");
                }
            }
        }
    }

    private static void checkFlow(String flow, List<StepDeclaration> steps, List<String> problems) {
        List<StepDeclaration> entries = steps.stream().filter(s -> s.role() == StepRole.ENTRY).toList();
        if (entries.isEmpty()) {
            problems.add("NVENT-0102 flow '" + flow + "' has no entry step; mark exactly one of "
                    + classes(steps) + " with role = StepRole.ENTRY");
        } else if (entries.size() > 1) {
            problems.add("NVENT-0103 flow '" + flow + "' has " + entries.size() + " entry steps " + classes(entries)
                    + "; exactly one step may have role = StepRole.ENTRY");
        }
        Map<String, List<StepDeclaration>> byName = steps.stream()
                .collect(Collectors.groupingBy(StepDeclaration::name, LinkedHashMap::new, Collectors.toList()));
        byName.forEach((name, same) -> {
            if (same.size() > 1) {
                problems.add("NVENT-0104 flow '" + flow + "' has " + same.size() + " steps named '" + name + "' "
                        + classes(same) + "; give each a unique name = \"...\"");
            }
        });
        checkCompensations(flow, steps, byName, problems);
        Set<String> emitted = steps.stream().flatMap(s -> s.emits().stream()).collect(Collectors.toSet());
        for (StepDeclaration step : steps) {
            for (String event : step.subscribes()) {
                if (!emitted.contains(event)) {
                    problems.add("NVENT-0105 " + step.describe() + " subscribes to event '" + event
                            + "', which no step of flow '" + flow + "' emits; declared events are "
                            + new java.util.TreeSet<>(emitted) + didYouMean(event, emitted)
                            + " (add it to a step's emits or fix the name)");
                }
            }
        }
        if (entries.size() == 1 && byName.values().stream().allMatch(same -> same.size() == 1)) {
            // A graph with one entry and unique names can be walked, so a cycle is reported with the other
            // mistakes at once; events no step emits (reported above) count as emitted, as once fixed.
            Set<String> notEmitted = steps.stream().flatMap(s -> s.subscribes().stream())
                    .filter(event -> !emitted.contains(event)).collect(Collectors.toSet());
            checkReachable(steps, notEmitted, problems);
        }
    }

    /** Each {@code compensation = "..."} names a compensation step of the same flow. */
    private static void checkCompensations(String flow, List<StepDeclaration> steps,
                                           Map<String, List<StepDeclaration>> byName, List<String> problems) {
        for (StepDeclaration step : steps) {
            if (step.compensation().isEmpty() || step.role() == StepRole.COMPENSATION) {
                continue;
            }
            String named = step.compensation().get();
            List<StepDeclaration> found = byName.getOrDefault(named, List.of());
            if (found.isEmpty()) {
                List<String> compensations = steps.stream().filter(s -> s.role() == StepRole.COMPENSATION)
                        .map(StepDeclaration::name).sorted().toList();
                problems.add("NVENT-0101 " + step.describe() + ": compensation = \"" + named + "\" names no step of"
                        + " flow '" + flow + "'; its compensation steps are " + compensations
                        + didYouMean(named, byName.keySet()) + " (add a step with role = StepRole.COMPENSATION"
                        + " named so, or fix the name)");
            } else if (found.stream().anyMatch(s -> s.role() != StepRole.COMPENSATION)) {
                problems.add("NVENT-0101 " + step.describe() + ": compensation = \"" + named + "\" names step '"
                        + named + "' " + classes(found) + ", which is not a compensation step; give it"
                        + " role = StepRole.COMPENSATION (it then runs only to undo), or name another step");
            }
        }
    }

    /** A step whose subscriptions can only be satisfied by itself or a cycle never runs. */
    private static void checkReachable(List<StepDeclaration> steps, Set<String> assumedEmitted, List<String> problems) {
        Set<String> reachable = new HashSet<>();
        Set<String> available = new HashSet<>(assumedEmitted);
        boolean grew = true;
        while (grew) {
            grew = false;
            for (StepDeclaration step : steps) {
                if (!reachable.contains(step.name())
                        && (step.role() == StepRole.ENTRY || available.containsAll(step.subscribes()))) {
                    reachable.add(step.name());
                    available.addAll(step.emits());
                    grew = true;
                }
            }
        }
        for (StepDeclaration step : steps) {
            if (!reachable.contains(step.name())) {
                problems.add("NVENT-0106 " + step.describe() + " can never run: its subscriptions "
                        + step.subscribes() + " are only emitted by steps that wait for it (a cycle)");
            }
        }
    }

    /** {@code "; did you mean 'order.received'?"} when a known name is a typo away from {@code unknown}, else empty. */
    private static String didYouMean(String unknown, java.util.Collection<String> known) {
        return Spelling.closest(unknown, known, Spelling.MOST_EDITS_OF_A_TYPO)
                .map(name -> "; did you mean '" + name + "'?").orElse("");
    }

    private static String classes(List<StepDeclaration> steps) {
        return steps.stream().map(s -> s.beanClass().getName()).collect(Collectors.joining(", ", "[", "]"));
    }
}
