package io.nvent.cdi.internal.engine;

import io.nvent.Step;
import io.nvent.StepContext;
import java.util.concurrent.atomic.AtomicInteger;

/** A step that only counts how often it ran: tests subclass it under the {@code @FlowStep} they need. */
abstract class CountingStep implements Step<Object, Void> {
    final AtomicInteger runs = new AtomicInteger();

    @Override
    public Void execute(Object input, StepContext ctx) {
        runs.incrementAndGet();
        return null;
    }
}
