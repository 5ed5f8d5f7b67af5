package io.nvent.jms.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.nvent.jms.internal.WorkerConnections.Step;
import jakarta.jms.JMSException;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class WorkerConnectionsTest {

    private final WorkerConnections connections = new WorkerConnections();

    @Test
    void a_session_refused_by_wildflys_full_pool_is_the_pools_refusal_even_with_no_worker_holding_one() throws Exception {
        connections.workersStarted(4);
        JMSException refused = new JMSException("Could not create a session: IJ000453: Unable to get managed connection"
                + " for java:/jms/nvent/WorkerConnectionFactory");
        refused.setLinkedException(new Exception("IJ000655: No managed connections available within configured"
                + " blocking timeout (30000 [ms])"));

        assertThat(connections.refused("order", Step.SESSION, refused)).hasValueSatisfying(refusal -> {
            assertThat(refusal.first()).isTrue();
            assertThat(refusal.diagnosis()).contains("this node's 1 queue has 4 workers in all",
                    "the pool must hold at least 6 (4 for the workers, 2 for the live event stream's");
        });
        assertThat(connections.problem()).hasValueSatisfying(problem -> assertThat(problem).startsWith(
                "the pool of the workers' connection factory (nvent.queue.jms.worker-connection-factory) is too small"));
    }

    @Test
    void a_session_the_broker_refuses_while_other_workers_still_hold_connections_is_no_pool_refusal() {
        connections.workersStarted(4);
        connections.granted();
        connections.granted();

        // A broker going away: the workers holding connections may not have noticed yet.
        assertThat(connections.refused("order", Step.SESSION,
                new JMSException("Could not create a session: AMQ219007: Cannot connect to server(s)"))).isEmpty();
        assertThat(connections.problem()).isEmpty();
    }

    @Test
    void the_diagnosis_is_reported_once_and_holds_until_every_worker_has_its_connection() {
        connections.workersStarted(2);
        connections.granted();
        JMSException full = new JMSException("In-use connections equal max-pool-size and expired max-wait-time");

        assertThat(connections.refused("order", Step.SESSION, full)).hasValueSatisfying(r -> assertThat(r.first()).isTrue());
        assertThat(connections.refused("order", Step.SESSION, full)).hasValueSatisfying(r -> assertThat(r.first()).isFalse());
        assertThat(connections.problem()).isPresent();

        connections.granted();

        assertThat(connections.problem()).isEmpty();
    }
}
