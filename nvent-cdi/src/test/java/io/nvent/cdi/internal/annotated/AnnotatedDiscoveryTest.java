package io.nvent.cdi.internal.annotated;

import io.nvent.FlowStep;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.cdi.internal.NventExtension;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import org.jboss.weld.bootstrap.spi.BeanDiscoveryMode;
import org.jboss.weld.environment.se.Weld;
import org.jboss.weld.environment.se.WeldContainer;
import org.jboss.weld.junit5.WeldInitiator;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Steps found by scanning in {@code annotated} bean-discovery mode, where only classes with a
 * bean-defining annotation become beans: this package holds nothing but the classes scanned.
 */
class AnnotatedDiscoveryTest {

    @FlowStep(flow = "greeting", name = "hello", role = StepRole.ENTRY, emits = "greeted")
    public static class Hello implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            return null;
        }
    }

    /** At run time it carries only the container of its two annotations, {@code @FlowSteps}. */
    @FlowStep(flow = "greeting", name = "sign", subscribes = "greeted")
    @FlowStep(flow = "farewell", name = "sign", role = StepRole.ENTRY)
    public static class Sign implements Step<Map<String, Object>, String> {
        @Override
        public String execute(Map<String, Object> input, StepContext ctx) {
            return "signed in flow " + ctx.flow();
        }
    }

    /** No bean-defining annotation: no bean in this mode. */
    public static class Plain {
    }

    @Test
    void aClassAnnotatedFlowStepTwiceIsFoundAsAnApplicationScopedStepOfBothFlows() {
        Weld annotated = WeldInitiator.createWeld().setBeanDiscoveryMode(BeanDiscoveryMode.ANNOTATED)
                .addExtension(new NventExtension()).addPackage(false, Sign.class);
        try (WeldContainer container = annotated.initialize()) {
            assertThat(container.getBeanManager().getBeans(Plain.class)).as("the mode is in force").isEmpty();
            assertThat(container.getBeanManager().getBeans(Sign.class)).singleElement()
                    .satisfies(bean -> assertThat(bean.getScope()).isEqualTo(ApplicationScoped.class));
            assertThat(container.getBeanManager().getExtension(NventExtension.class).declarations())
                    .extracting(d -> d.flow() + "/" + d.name())
                    .containsExactlyInAnyOrder("greeting/hello", "greeting/sign", "farewell/sign");
        }
    }
}
