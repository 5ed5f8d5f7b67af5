package io.nvent.cdi.internal.registry;

import io.nvent.Step;
import io.nvent.StepRole;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
        for (StepDeclaration step : declarations) {
            checkStepClass(step, problems);
        }
        Map<String, List<StepDeclaration>> byFlow = declarations.stream()
                .filter(d -> !d.flow().isBlank())
                .collect(Collectors.groupingBy(StepDeclaration::flow, LinkedHashMap::new, Collectors.toList()));
        byFlow.forEach((flow, steps) -> checkFlow(flow, steps, problems));
        return problems;
    }

    private static void checkStepClass(StepDeclaration step, List<String> problems) {
        String where = "NVENT-0101 " + step.describe() + ": ";
        if (step.flow().isBlank()) {
            problems.add(where + "@FlowStep(flow = ...) must name a flow");
        }
        if (!Step.class.isAssignableFrom(step.beanClass())) {
            problems.add(where + "the class is annotated @FlowStep but does not implement io.nvent.Step; "
                    + "implement Step<Input, Output> with an execute(Input, StepContext) method");
        } else if (StepTypes.inputType(step.beanClass()).isEmpty()) {
            problems.add(where + "the class implements io.nvent.Step without a concrete input type; "
                    + "declare it as Step<Input, Output>, e.g. Step<Map<String, Object>, Void>");
        }
        if (step.role() == StepRole.STEP && step.subscribes().isEmpty()) {
            problems.add(where + "a non-entry step must subscribe to at least one event; "
                    + "add subscribes = {\"...\"} or make it role = StepRole.ENTRY");
        }
        if (step.role() == StepRole.ENTRY && !step.subscribes().isEmpty()) {
            problems.add(where + "an entry step receives the run input and cannot subscribe to events; "
                    + "remove subscribes or make it role = StepRole.STEP");
        }
        if (step.maxAttempts() < 0) {
            problems.add(where + "maxAttempts must be >= 1 (or 0 for the configured default), was "
                    + step.maxAttempts());
        }
        if (step.timeoutMs() < 0) {
            problems.add(where + "timeoutMs must be positive (or 0 for the configured default), was "
                    + step.timeoutMs());
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
        Set<String> emitted = steps.stream().flatMap(s -> s.emits().stream()).collect(Collectors.toSet());
        for (StepDeclaration step : steps) {
            for (String event : step.subscribes()) {
                if (!emitted.contains(event)) {
                    problems.add("NVENT-0105 " + step.describe() + " subscribes to event '" + event
                            + "', which no step of flow '" + flow + "' emits; declared events are "
                            + new java.util.TreeSet<>(emitted) + " (add it to a step's emits or fix the name)");
                }
            }
        }
        if (problems.isEmpty()) {
            checkReachable(flow, steps, problems);
        }
    }

    /** A step whose subscriptions can only be satisfied by itself or a cycle never runs. */
    private static void checkReachable(String flow, List<StepDeclaration> steps, List<String> problems) {
        Set<String> reachable = new HashSet<>();
        Set<String> available = new HashSet<>();
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

    private static String classes(List<StepDeclaration> steps) {
        return steps.stream().map(s -> s.beanClass().getName()).collect(Collectors.joining(", ", "[", "]"));
    }
}
