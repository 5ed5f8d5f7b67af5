package io.nvent.cdi.internal.registry;

import io.nvent.FlowDefinition;
import io.nvent.FlowNotFoundException;
import io.nvent.NventException;
import io.nvent.StepDefinition;
import io.nvent.StepRole;
import io.nvent.Trigger;
import io.nvent.TriggerSpec;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The validated flows of the deployment, immutable once built.
 */
public final class FlowRegistry {

    private static final System.Logger LOG = System.getLogger(FlowRegistry.class.getName());

    private final Map<String, FlowDefinition> flows;
    private final Map<String, Map<String, StepBinding>> bindings;
    private final Map<String, TriggerSpec> declaredTriggers;
    private final Set<String> awaitedEvents;

    private FlowRegistry(Map<String, FlowDefinition> flows, Map<String, Map<String, StepBinding>> bindings,
                         Map<String, TriggerSpec> declaredTriggers) {
        this.flows = flows;
        this.bindings = bindings;
        this.declaredTriggers = declaredTriggers;
        Set<String> events = new TreeSet<>();
        flows.values().forEach(f -> f.steps().forEach(s -> {
            s.awaitBefore().flatMap(io.nvent.AwaitSpec::event).ifPresent(events::add);
            s.awaitAfter().flatMap(io.nvent.AwaitSpec::event).ifPresent(events::add);
        }));
        this.awaitedEvents = Set.copyOf(events);
    }

    /** Builds the registry from valid declarations (see {@link FlowGraphValidator}). */
    public static FlowRegistry build(Collection<StepDeclaration> declarations, StepDefaults defaults) {
        Map<String, List<StepDeclaration>> byFlow = new LinkedHashMap<>();
        declarations.stream().sorted(Comparator.comparing(StepDeclaration::flow)
                        .thenComparing(d -> d.role() == StepRole.ENTRY ? 0 : 1)
                        .thenComparing(StepDeclaration::name))
                .forEach(d -> byFlow.computeIfAbsent(d.flow(), f -> new ArrayList<>()).add(d));
        Map<String, FlowDefinition> flows = new LinkedHashMap<>();
        Map<String, Map<String, StepBinding>> bindings = new LinkedHashMap<>();
        List<String> heartbeatsPastTimeout = new ArrayList<>();
        byFlow.forEach((flow, steps) -> {
            List<StepDefinition> definitions = new ArrayList<>();
            Map<String, StepBinding> flowBindings = new LinkedHashMap<>();
            for (StepDeclaration declaration : steps) {
                StepDefinition definition = defaults.apply(declaration);
                warnIfNoRetryForChangesNothing(declaration, definition);
                heartbeatPastConfiguredTimeout(declaration, definition).ifPresent(heartbeatsPastTimeout::add);
                Type input = StepTypes.inputType(declaration.beanClass()).orElse(Object.class);
                definitions.add(definition);
                flowBindings.put(definition.name(), new StepBinding(flow, definition, declaration.beanClass(), input,
                        declaration.retryDecider()));
            }
            flows.put(flow, new FlowDefinition(flow, definitions));
            bindings.put(flow, Map.copyOf(flowBindings));
        });
        if (!heartbeatsPastTimeout.isEmpty()) {
            throw new NventException("NVENT-0433 the flows are invalid:\n  " + String.join("\n  ", heartbeatsPastTimeout));
        }
        return new FlowRegistry(Map.copyOf(flows), Map.copyOf(bindings), triggersOf(declarations));
    }

    /**
     * A heartbeat timeout not below the configured attempt timeout ({@code nvent.step.timeout-ms}) the step takes:
     * one not below the step's own {@code timeoutMs} fails the validation of its declaration already.
     */
    private static Optional<String> heartbeatPastConfiguredTimeout(StepDeclaration declaration,
                                                                   StepDefinition definition) {
        return definition.heartbeatTimeout().filter(heartbeat -> declaration.timeoutMs() == 0
                        && heartbeat.compareTo(definition.timeout()) >= 0)
                .map(heartbeat -> FlowGraphValidator.heartbeatNotBelowTimeout(declaration.describe() + ": ",
                        heartbeat.toMillis(), definition.timeout().toMillis() + " ms (nvent.step.timeout-ms)"));
    }

    /**
     * Says, once per deployment, that a step's {@code noRetryFor} prevents no retry: with one attempt the
     * step is never retried anyway, and the list only marks the failures it names not retryable (their
     * {@code step.failed} says {@code "retryable":false}, the console "failed, not retried"). Not a deployment error: the step works as written, and the list may
     * be meant for a {@code nvent.step.max-attempts} configured elsewhere.
     */
    private static void warnIfNoRetryForChangesNothing(StepDeclaration declaration, StepDefinition definition) {
        if (declaration.noRetryFor().isEmpty() || definition.retry().maxAttempts() > 1) {
            return;
        }
        String why = declaration.maxAttempts() > 0 ? "its @FlowStep(maxAttempts = " + declaration.maxAttempts() + ")"
                : "nvent.step.max-attempts = " + definition.retry().maxAttempts() + " (the default, which the step"
                        + " does not override with @FlowStep(maxAttempts))";
        LOG.log(System.Logger.Level.WARNING, "NVENT-0557 " + declaration.describe() + " lists noRetryFor, which"
                + " prevents no retry: " + why + " gives it one attempt, so it is never retried anyway; the list"
                + " only marks the failures it names \"retryable\":false in their step.failed entry (the console"
                + " shows them failed, not retried). Give it more attempts (@FlowStep(maxAttempts) or"
                + " nvent.step.max-attempts) for the list to spare them retries, or drop noRetryFor");
    }

    private static Map<String, TriggerSpec> triggersOf(Collection<StepDeclaration> declarations) {
        Map<String, TriggerSpec> triggers = new LinkedHashMap<>();
        // A class's triggers start every flow it is the entry step of, and none it is a later step of.
        for (StepDeclaration step : declarations.stream().filter(d -> d.role() == StepRole.ENTRY).toList()) {
            for (Trigger t : step.triggers()) {
                TriggerSpec known = triggers.get(t.name());
                List<String> flows = new ArrayList<>(known == null ? List.of() : known.flows());
                flows.add(step.flow());
                TriggerSpec.Builder spec = TriggerSpec.newBuilder(t.name(), t.type()).flows(flows)
                        .timezone(java.time.ZoneId.of(t.timezone())).description(t.description()).enabled(t.enabled());
                if (!t.cron().isBlank()) {
                    spec.cron(t.cron());
                }
                if (!t.every().isBlank()) {
                    spec.every(io.nvent.cdi.internal.schedule.IntervalSchedule.parse(t.every()).every());
                }
                if (!t.event().isBlank()) {
                    spec.event(t.event());
                }
                if (!t.filter().isBlank()) {
                    spec.filter(t.filter());
                }
                spec.misfire(t.misfire());
                if (!t.misfireGrace().isBlank()) {
                    spec.misfireGrace(java.time.Duration.parse(t.misfireGrace().trim()));
                }
                spec.concurrencyKey(blankAsNone(t.concurrencyKey())).concurrencyKeyFrom(blankAsNone(t.concurrencyKeyFrom()))
                        .concurrencyKeyPrefix(blankAsNone(t.concurrencyKeyPrefix())).concurrencyLimit(t.concurrencyLimit())
                        .labels(t.labels()).overlap(t.overlap()).exclude(t.exclude());
                if (!t.runTimeout().isBlank()) {
                    spec.runTimeout(java.time.Duration.parse(t.runTimeout().trim()));
                }
                if (!t.debounce().isBlank()) {
                    spec.debounce(java.time.Duration.parse(t.debounce().trim()))
                            .debounceKeyFrom(blankAsNone(t.debounceKeyFrom()));
                    if (!t.debounceMax().isBlank()) {
                        spec.debounceMax(java.time.Duration.parse(t.debounceMax().trim()));
                    }
                }
                if (t.batchMax() != 0 || !t.batchWindow().isBlank()) {
                    if (t.batchWindow().isBlank()) {
                        throw new IllegalArgumentException("NVENT-0010 trigger '" + t.name() + "' gives batchMax "
                                + t.batchMax() + " but no batchWindow: give how long a batch may wait, such as PT10S");
                    }
                    spec.batch(t.batchMax(), java.time.Duration.parse(t.batchWindow().trim()));
                }
                spec.batchKeyFrom(blankAsNone(t.batchKeyFrom()));
                triggers.put(t.name(), spec.build());
            }
        }
        return Map.copyOf(triggers);
    }

    /** An annotation's text attribute as a builder takes it: its default, empty, is none. */
    private static String blankAsNone(String attribute) {
        return attribute.isEmpty() ? null : attribute;
    }

    /** Triggers declared with {@link Trigger} annotations, by name. */
    public Map<String, TriggerSpec> declaredTriggers() {
        return declaredTriggers;
    }

    /** Names of the events some step's await waits for. */
    public Set<String> awaitedEvents() {
        return awaitedEvents;
    }

    public List<FlowDefinition> flows() {
        return flows.values().stream().sorted(Comparator.comparing(FlowDefinition::name)).toList();
    }

    public Optional<FlowDefinition> flow(String name) {
        return Optional.ofNullable(flows.get(name));
    }

    public FlowDefinition require(String name) {
        return flow(name).orElseThrow(() -> notFound(name));
    }

    /** That no flow is deployed under {@code name}: the deployed ones named, and the one a typo away asked about. */
    public FlowNotFoundException notFound(String name) {
        List<String> deployed = flows.keySet().stream().sorted().toList();
        return new FlowNotFoundException(name, deployed,
                Spelling.closest(name, deployed, Spelling.MOST_EDITS_OF_A_TYPO));
    }

    public Optional<StepBinding> binding(String flow, String step) {
        return Optional.ofNullable(bindings.getOrDefault(flow, Map.of()).get(step));
    }

    public List<StepBinding> bindings() {
        return bindings.values().stream().flatMap(m -> m.values().stream()).toList();
    }

    /** Every queue some step uses. */
    public Set<String> queues() {
        return flowsByQueue().keySet();
    }

    /** Every queue some step uses, with the flows whose steps use it, both in name order. */
    public Map<String, Set<String>> flowsByQueue() {
        Map<String, Set<String>> queues = new TreeMap<>();
        flows.values().forEach(f -> f.steps().forEach(s -> queues.computeIfAbsent(s.queue(), q -> new TreeSet<>())
                .add(f.name())));
        return queues;
    }
}
