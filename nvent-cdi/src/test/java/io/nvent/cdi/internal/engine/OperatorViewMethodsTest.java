package io.nvent.cdi.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.nvent.FlowService;
import io.nvent.Operator;
import io.nvent.TriggerService;
import io.nvent.cdi.QueueControls;
import io.nvent.testkit.LogRecorder;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * No action goes unrecorded: every method of {@link FlowService}, {@link TriggerService} and {@link QueueControls} is
 * classified, by its signature, as an action (audited by {@code actingAs}) or a read, so a method added to any of them
 * fails here, by name, until someone decides which it is.
 */
class OperatorViewMethodsTest {

    @Test
    void everyMethodOfTheServicesIsAnActionOrARead() {
        assertThat(signatures()).as("methods neither in OperatorView.ACTIONS nor in OperatorView.READS")
                .filteredOn(signature -> !OperatorView.ACTIONS.contains(signature)
                        && !OperatorView.READS.contains(signature))
                .isEmpty();
    }

    @Test
    void noMethodIsBothAndEveryListedOneExists() {
        assertThat(OperatorView.ACTIONS).as("both an action and a read").doesNotContainAnyElementsOf(OperatorView.READS);
        Set<String> listed = new HashSet<>(OperatorView.ACTIONS);
        listed.addAll(OperatorView.READS);
        assertThat(listed).as("listed, but no method of either service").isSubsetOf(signatures());
    }

    @Test
    void overloadsAreClassifiedEachBySignatureSoAReadMayShareAnActionsName() throws ReflectiveOperationException {
        Method cancel = FlowService.class.getMethod("cancel", String.class);
        Method cancelWithOptions = FlowService.class.getMethod("cancel", String.class, io.nvent.CancelOptions.class);
        assertThat(List.of(OperatorView.signature(cancel), OperatorView.signature(cancelWithOptions)))
                .containsExactly("FlowService.cancel(String)", "FlowService.cancel(String,CancelOptions)");
        assertThat(OperatorView.ACTIONS).as("an action by its name alone would be written without its parameters")
                .allMatch(signature -> signature.contains("("));
    }

    @Test
    void aMethodInNeitherListIsAuditedAsAnActionAndReported() throws ReflectiveOperationException {
        try (RetentionSweepTest.Messages warnings = new RetentionSweepTest.Messages(OperatorView.class)) {
            assertThat(OperatorView.acts(Runnable.class.getMethod("run"))).isTrue();
            assertThat(OperatorView.acts(FlowService.class.getMethod("flows"))).isFalse();

            assertThat(warnings.logged).containsExactly("NVENT-0038 Runnable.run() is neither an action nor a read to"
                    + " the audit trail: it is audited as an action; list it in OperatorView.ACTIONS or READS"
                    + " (OperatorViewMethodsTest names every such method)");
        }
    }

    @Test
    void aWebhookAwaitResolvedThroughAViewIsAnActionWhoseLineNeverShowsTheSecretToken() {
        assertThat(OperatorView.ACTIONS).contains("FlowService.resolveWebhook(String,String)");
        assertThat(OperatorView.describe("resolveWebhook", new Object[] {"s3cret-token", "{}"}, true, null))
                .isEqualTo("resolved a webhook await by its token").doesNotContain("s3cret");
    }

    @Test
    void aMethodOfOneServiceIsNotTakenAsClassifiedByAMethodOfTheOtherWithTheSameSignature()
            throws ReflectiveOperationException {
        Method triggerRead = TriggerService.class.getMethod("describe", String.class);
        Method sameSignatureElsewhere = NotAService.class.getMethod("describe", String.class);

        assertThat(OperatorView.signature(triggerRead)).isEqualTo("TriggerService.describe(String)");
        assertThat(OperatorView.acts(triggerRead)).isFalse();
        assertThat(OperatorView.acts(sameSignatureElsewhere))
                .as("a FlowService.describe(String) added would act, unclassified, not pass as TriggerService's read")
                .isTrue();
    }

    /** A type with a method whose name and parameters are those of a read of {@link TriggerService}. */
    interface NotAService {
        String describe(String name);
    }

    @Test
    void theQueueControlsViewAuditsEveryActionOfTheControlsAndNoRead() throws ReflectiveOperationException {
        QueueControls controls = QueueControlsView.of(new QueueControls(), Operator.named("alice"));
        for (Method method : queueControlsMethods()) {
            assertThat(QueueControlsView.class.getDeclaredMethod(method.getName(), method.getParameterTypes()))
                    .as("%s overridden by the view, so none reaches the controls it extends unset", method).isNotNull();
            Object[] args = Arrays.stream(method.getParameterTypes()).map(type -> type == int.class ? (Object) 2
                    : type == String.class ? "erp" : null).toArray();
            try (LogRecorder audit = LogRecorder.recording(entry -> "io.nvent.audit".equals(entry.getLoggerName()))) {
                try {
                    method.invoke(controls, args);
                } catch (InvocationTargetException unsetControls) {
                    // a bare QueueControls has no engine: what matters is whether the call was audited
                }
                assertThat(audit.records()).as(OperatorView.signature(method))
                        .hasSize(OperatorView.ACTIONS.contains(OperatorView.signature(method)) ? 1 : 0);
            }
        }
    }

    /** The public instance methods of the services and of {@link QueueControls}, by signature. */
    private static Set<String> signatures() {
        return Stream.concat(Stream.of(FlowService.class, TriggerService.class)
                        .flatMap(type -> Arrays.stream(type.getMethods())), queueControlsMethods().stream())
                .filter(method -> !Modifier.isStatic(method.getModifiers()))
                .map(OperatorView::signature).collect(Collectors.toSet());
    }

    /** The public instance methods {@link QueueControls} declares. */
    private static List<Method> queueControlsMethods() {
        return Arrays.stream(QueueControls.class.getDeclaredMethods()).filter(method -> Modifier.isPublic(
                method.getModifiers()) && !Modifier.isStatic(method.getModifiers()) && !method.isSynthetic()).toList();
    }
}
