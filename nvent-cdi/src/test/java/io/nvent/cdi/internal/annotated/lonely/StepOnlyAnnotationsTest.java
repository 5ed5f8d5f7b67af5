package io.nvent.cdi.internal.annotated.lonely;

import io.nvent.AwaitBefore;
import io.nvent.AwaitType;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.Trigger;
import io.nvent.TriggerType;
import io.nvent.cdi.internal.NventExtension;
import jakarta.enterprise.inject.spi.DefinitionException;
import java.util.Map;
import org.jboss.weld.bootstrap.spi.BeanDiscoveryMode;
import org.jboss.weld.environment.se.Weld;
import org.jboss.weld.junit5.WeldInitiator;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A step's annotations on a class that is no step (its {@code @FlowStep} forgotten), found by
 * scanning in {@code annotated} bean-discovery mode, as an application's {@code beans.xml} has it:
 * the class has no bean-defining annotation of its own. This package holds nothing but the classes
 * scanned.
 */
class StepOnlyAnnotationsTest {

    @Trigger(name = "lonely", type = TriggerType.MANUAL)
    @AwaitBefore(type = AwaitType.TIME, delayMs = 10)
    public static class TriggerNoStep implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void aTriggerAndAnAwaitOnAClassWithoutFlowStepFailTheDeploymentInAnnotatedModeNamingTheClass() {
        Weld annotated = WeldInitiator.createWeld().setBeanDiscoveryMode(BeanDiscoveryMode.ANNOTATED)
                .addExtension(new NventExtension()).addPackage(false, TriggerNoStep.class);
        assertThatThrownBy(annotated::initialize)
                .isInstanceOf(DefinitionException.class)
                .hasMessageContaining("NVENT-0186 " + TriggerNoStep.class.getName() + " is annotated @Trigger and "
                        + "@AwaitBefore but not @FlowStep, so they do nothing: add @FlowStep(flow = ..., name = ...) "
                        + "or remove @Trigger and @AwaitBefore");
    }
}
