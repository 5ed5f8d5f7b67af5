package io.nvent.cdi.internal;

import io.nvent.FlowStep;
import io.nvent.cdi.internal.registry.FlowGraphValidator;
import io.nvent.cdi.internal.registry.StepDeclaration;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.spi.AfterBeanDiscovery;
import jakarta.enterprise.inject.spi.DefinitionException;
import jakarta.enterprise.inject.spi.Extension;
import jakarta.enterprise.inject.spi.ProcessManagedBean;
import java.util.ArrayList;
import java.util.List;

/**
 * Collects every {@link FlowStep} bean while the container discovers beans and fails the
 * deployment when the declared flows are inconsistent. It holds no engine state: the engine
 * ({@link io.nvent.cdi.internal.engine.FlowEngine}) reads the declarations when it starts.
 */
public class NventExtension implements Extension {

    private static final System.Logger LOG = System.getLogger(NventExtension.class.getName());

    private final List<StepDeclaration> declarations = new ArrayList<>();

    void collect(@Observes ProcessManagedBean<?> bean) {
        FlowStep step = bean.getAnnotatedBeanClass().getAnnotation(FlowStep.class);
        if (step != null) {
            declarations.add(StepDeclaration.of(bean.getAnnotatedBeanClass().getJavaClass(), step));
        }
    }

    void validate(@Observes AfterBeanDiscovery event) {
        List<String> problems = FlowGraphValidator.validate(declarations);
        problems.forEach(problem -> event.addDefinitionError(new DefinitionException(problem)));
        if (problems.isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "NVENT-0100 found {0} flow steps", declarations.size());
        }
    }

    /** The declarations collected during discovery. */
    public List<StepDeclaration> declarations() {
        return List.copyOf(declarations);
    }
}
