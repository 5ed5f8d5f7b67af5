package io.nvent.war.stories;

import io.nvent.FlowService;
import io.nvent.FlowStep;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import jakarta.annotation.Resource;
import jakarta.ejb.SessionContext;
import jakarta.ejb.Stateless;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/** Starts runs inside container-managed transactions that commit or roll back. */
@Stateless
public class TransactionProbe {

    /** How often the probe step ran. */
    public static final AtomicInteger EXECUTIONS = new AtomicInteger();

    @Inject
    FlowService flows;
    @Resource
    SessionContext session;

    public String startAndCommit() {
        return flows.start("tx-probe", Map.of("outcome", "commit"));
    }

    public String startAndRollBack() {
        String runId = flows.start("tx-probe", Map.of("outcome", "rollback"));
        session.setRollbackOnly();
        return runId;
    }

    @FlowStep(flow = "tx-probe", name = "count", role = StepRole.ENTRY)
    public static class Count implements Step<Map<String, Object>, Integer> {
        @Override
        public Integer execute(Map<String, Object> input, StepContext ctx) {
            return EXECUTIONS.incrementAndGet();
        }
    }
}
