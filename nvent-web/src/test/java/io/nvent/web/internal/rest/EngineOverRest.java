package io.nvent.web.internal.rest;

import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.cdi.EmbeddedEngine;
import java.util.function.Function;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A test's engine and the API over it, the engine closed after each test: register it as an instance field with
 * {@code @RegisterExtension}, so that each test gets its own.
 */
final class EngineOverRest implements AfterEachCallback {

    /** The engine the requests reach. */
    final EmbeddedEngine engine;
    /** The resources under test, in process. */
    final InProcessApi api;

    private EngineOverRest(EmbeddedEngine engine, Function<EmbeddedEngine, InProcessApi> api) {
        this.engine = engine;
        this.api = api.apply(engine);
    }

    /** The resources over the engine's flows, with what {@link FlowsResource} injects ({@link InProcessApi#withFlowsResource}). */
    static EngineOverRest flows(EmbeddedEngine.Builder engine, Class<?>... resources) {
        return new EngineOverRest(engine.build(), built -> InProcessApi.withFlowsResource(built.flows(), resources));
    }

    /** {@link QueuesResource} over the engine's flows, queue and controls ({@link InProcessApi#withQueues}). */
    static EngineOverRest queues(EmbeddedEngine.Builder engine) {
        return new EngineOverRest(engine.build(), InProcessApi::withQueues);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        engine.close();
    }

    /** A step that does nothing: what the flow does is no part of the test. */
    abstract static class DoesNothing implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }
}
