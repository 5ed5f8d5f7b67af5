package io.nvent.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nvent.FlowStep;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.cdi.EmbeddedEngine;
import io.nvent.cdi.MemoryAdapters;
import io.nvent.spi.FlowStore;
import io.nvent.spi.SchedulingStore;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * "A broken downstream: 0 workers for queue invoices": an instance on the PostgreSQL queue that starts while the
 * queue's workers are set to 0 runs none of its waiting jobs, not even one, until an operator raises them.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PgQueueWorkersSetToNoneTest {

    private static final Duration PATIENCE = Duration.ofSeconds(20);
    /** Long enough for a worker started at the configured count to have claimed the waiting job. */
    private static final Duration QUIET = Duration.ofSeconds(2);

    @RegisterExtension
    static final PgInstances database = new PgInstances();

    @FlowStep(flow = "invoice", name = "send", role = StepRole.ENTRY, queue = "invoices")
    static class Send implements Step<Object, Void> {
        final AtomicInteger executions = new AtomicInteger();
        final CountDownLatch ran = new CountDownLatch(1);

        @Override
        public Void execute(Object input, StepContext ctx) {
            executions.incrementAndGet();
            ran.countDown();
            return null;
        }
    }

    @Test
    void an_instance_starting_while_the_workers_are_set_to_none_runs_no_waiting_job_until_they_are_raised() {
        FlowStore store = MemoryAdapters.store();
        SchedulingStore scheduling = MemoryAdapters.schedulingStore();
        Send step = new Send();
        try (EmbeddedEngine before = engine(store, scheduling, step, 0)) {
            before.setQueueWorkers("invoices", 0);
            String runId = before.flows().start("invoice", null);

            try (EmbeddedEngine started = engine(store, slowAfterTheFirstRead(scheduling, step.ran), step, 4)) {
                assertThat(started.queueWorkersHere("invoices")).isZero();
                await().during(QUIET).atMost(PATIENCE).until(() -> step.executions.get() == 0);
                assertThat(started.flows().run(runId).orElseThrow().status()).isEqualTo(RunStatus.RUNNING);

                started.setQueueWorkers("invoices", 1);

                await().atMost(PATIENCE).until(() -> started.flows().run(runId).orElseThrow().status()
                        == RunStatus.COMPLETED);
                assertThat(step.executions).hasValue(1);
            }
        }
    }

    /**
     * The store, its reads of the workers set at run time after the first one slow (a database under load): a
     * worker that started at the configured count, before the recorded 0 was read again and applied, had the time
     * to run the step. Waits at most {@link #QUIET} for that.
     */
    private static SchedulingStore slowAfterTheFirstRead(SchedulingStore scheduling, CountDownLatch stepRan) {
        AtomicInteger reads = new AtomicInteger();
        return (SchedulingStore) Proxy.newProxyInstance(SchedulingStore.class.getClassLoader(),
                new Class<?>[] {SchedulingStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("queueWorkers") && reads.incrementAndGet() > 1) {
                        stepRan.await(QUIET.toMillis(), TimeUnit.MILLISECONDS);
                    }
                    try {
                        return method.invoke(scheduling, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    /** An instance: the stores it shares with the others, and the PostgreSQL queue on the test's database. */
    private static EmbeddedEngine engine(FlowStore store, SchedulingStore scheduling, Send step, int workers) {
        return EmbeddedEngine.newBuilder().step(step).store(store).schedulingStore(scheduling)
                .queue(database.queue("pg-workers"))
                .concurrency("invoices", workers).build();
    }
}
