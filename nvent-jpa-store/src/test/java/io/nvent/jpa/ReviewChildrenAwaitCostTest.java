package io.nvent.jpa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nvent.AwaitBefore;
import io.nvent.AwaitType;
import io.nvent.FlowStep;
import io.nvent.RunInfo;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.cdi.EmbeddedEngine;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Review: what an await on a run's children costs the statements of the store. A run without a parent must cost
 * nothing more at its end; a child ending while a sibling is still under way must not count all its parent's
 * children (a batch of N children would read N² index entries), only ask whether any is still under way.
 */
class ReviewChildrenAwaitCostTest {

    static final Semaphore CHILDREN_MAY_END = new Semaphore(0);

    @RegisterExtension
    final RecordedStatementsStore recorded = new RecordedStatementsStore(4);

    @FlowStep(flow = "job", name = "work", role = StepRole.ENTRY)
    static class Work implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) throws Exception {
            assertThat(CHILDREN_MAY_END.tryAcquire(20, TimeUnit.SECONDS)).isTrue();
            return null;
        }
    }

    @FlowStep(flow = "batch", name = "fan-out", role = StepRole.ENTRY, emits = "jobs.started")
    static class FanOut implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            for (int job = 0; job < 3; job++) {
                ctx.startFlow("job", Map.of("job", job));
            }
            ctx.emit("jobs.started", input);
            return null;
        }
    }

    @FlowStep(flow = "batch", name = "report", subscribes = "jobs.started")
    @AwaitBefore(type = AwaitType.CHILDREN)
    static class Report implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            return null;
        }
    }

    @FlowStep(flow = "fan-out", name = "start-jobs", role = StepRole.ENTRY)
    static class StartJobs implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            for (int job = 0; job < 3; job++) {
                ctx.startFlow("job", Map.of("job", job));
            }
            return null;
        }
    }

    @BeforeEach
    void noChildMayEndYet() {
        CHILDREN_MAY_END.drainPermits();
    }

    @Test
    void aRunWithoutAParentEndsWithoutAnyReadOfChildRuns() {
        try (EmbeddedEngine engine = engine(new Work(), new FanOut(), new Report())) {
            CHILDREN_MAY_END.release();
            String runId = engine.flows().start("job", Map.of("job", "alone"));
            await().atMost(Duration.ofSeconds(20)).until(() -> statusOf(engine, runId) == RunStatus.COMPLETED);
        }

        assertThat(recorded.statements()).as("statements of a run without a parent")
                .noneMatch(sql -> sql.contains("where parent_run_id = ?"));
    }

    @Test
    void childrenEndingWhileASiblingIsUnderWayDoNotCountTheirParentsChildren() {
        try (EmbeddedEngine engine = engine(new Work(), new FanOut(), new Report())) {
            String runId = engine.flows().start("batch", Map.of());
            await().atMost(Duration.ofSeconds(20)).until(() -> statusOf(engine, runId) == RunStatus.AWAITING);
            // One at a time: children ending together may each see none of the others under way, and each count.
            // A child's status is written before it asks after its siblings, so the next is let end once it asked.
            long askedBefore = siblingQuestions();
            for (int ended = 1; ended <= 3; ended++) {
                CHILDREN_MAY_END.release();
                int children = ended;
                await().atMost(Duration.ofSeconds(20)).until(() -> completedJobs(engine) == children
                        && siblingQuestions() >= askedBefore + children);
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> statusOf(engine, runId) == RunStatus.COMPLETED);
        }

        assertThat(recorded.statements()).as("counts of the parent's children by status")
                .filteredOn(sql -> sql.contains("where parent_run_id = ? group by status")).hasSizeLessThanOrEqualTo(1);
    }

    @Test
    void childrenOfADeploymentWhereNoStepAwaitsChildrenEndWithoutReadingTheirParentsAwaits() {
        try (EmbeddedEngine engine = engine(new Work(), new StartJobs())) {
            String runId = engine.flows().start("fan-out", Map.of());
            await().atMost(Duration.ofSeconds(20)).until(() -> statusOf(engine, runId) == RunStatus.COMPLETED);
            recorded.statements().clear();
            CHILDREN_MAY_END.release(3);
            await().atMost(Duration.ofSeconds(20)).until(() -> completedJobs(engine) == 3);
        }

        assertThat(recorded.statements()).as("reads of a run's awaits while its children end")
                .noneMatch(sql -> sql.contains("where run_id = ? order by registered_at"));
    }

    private EmbeddedEngine engine(Step<?, ?>... steps) {
        EmbeddedEngine.Builder builder = EmbeddedEngine.newBuilder().instanceId("a").store(recorded.store())
                .schedulingStore(recorded.store().schedulingStore()).concurrency(4);
        for (Step<?, ?> step : steps) {
            builder.step(step);
        }
        return builder.build();
    }

    /** How often a run's end asked whether a child of its parent is still under way. */
    private long siblingQuestions() {
        return recorded.statements().stream().filter(sql -> sql.contains("where parent_run_id = ? and status in"))
                .count();
    }

    private static long completedJobs(EmbeddedEngine engine) {
        return engine.flows().runs(RunQuery.ofFlow("job")).stream().filter(run -> run.status() == RunStatus.COMPLETED)
                .count();
    }

    private static RunStatus statusOf(EmbeddedEngine engine, String runId) {
        return engine.flows().run(runId).map(RunInfo::status).orElseThrow();
    }
}
