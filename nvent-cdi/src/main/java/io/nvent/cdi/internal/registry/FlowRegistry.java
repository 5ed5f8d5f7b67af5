package io.nvent.cdi.internal.registry;

import io.nvent.FlowDefinition;
import io.nvent.FlowNotFoundException;
import io.nvent.StepDefinition;
import io.nvent.StepRole;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The validated flows of the deployment, immutable once built.
 */
public final class FlowRegistry {

    private final Map<String, FlowDefinition> flows;
    private final Map<String, Map<String, StepBinding>> bindings;

    private FlowRegistry(Map<String, FlowDefinition> flows, Map<String, Map<String, StepBinding>> bindings) {
        this.flows = flows;
        this.bindings = bindings;
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
        byFlow.forEach((flow, steps) -> {
            List<StepDefinition> definitions = new ArrayList<>();
            Map<String, StepBinding> flowBindings = new LinkedHashMap<>();
            for (StepDeclaration declaration : steps) {
                StepDefinition definition = defaults.apply(declaration);
                Type input = StepTypes.inputType(declaration.beanClass()).orElse(Object.class);
                definitions.add(definition);
                flowBindings.put(definition.name(), new StepBinding(flow, definition, declaration.beanClass(), input));
            }
            flows.put(flow, new FlowDefinition(flow, definitions));
            bindings.put(flow, Map.copyOf(flowBindings));
        });
        return new FlowRegistry(Map.copyOf(flows), Map.copyOf(bindings));
    }

    public List<FlowDefinition> flows() {
        return flows.values().stream().sorted(Comparator.comparing(FlowDefinition::name)).toList();
    }

    public Optional<FlowDefinition> flow(String name) {
        return Optional.ofNullable(flows.get(name));
    }

    public FlowDefinition require(String name) {
        return flow(name).orElseThrow(() -> new FlowNotFoundException(name));
    }

    public Optional<StepBinding> binding(String flow, String step) {
        return Optional.ofNullable(bindings.getOrDefault(flow, Map.of()).get(step));
    }

    public List<StepBinding> bindings() {
        return bindings.values().stream().flatMap(m -> m.values().stream()).toList();
    }

    /** Every queue some step uses. */
    public Set<String> queues() {
        Set<String> queues = new TreeSet<>();
        flows.values().forEach(f -> f.steps().forEach(s -> queues.add(s.queue())));
        return queues;
    }
}
