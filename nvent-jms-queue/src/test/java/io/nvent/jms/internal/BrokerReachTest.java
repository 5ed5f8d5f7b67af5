package io.nvent.jms.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.nvent.jms.internal.BrokerReach.Stall;
import jakarta.jms.JMSException;
import jakarta.jms.JMSRuntimeException;
import java.net.ConnectException;
import java.util.Optional;
import org.apache.activemq.artemis.api.core.ActiveMQInterruptedException;
import org.apache.activemq.artemis.api.core.ActiveMQNotConnectedException;
import org.apache.activemq.artemis.api.core.ActiveMQUnBlockedException;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

/** A send that waited past its timeout waited for a broker that cannot be reached, or for one that holds it back. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class BrokerReachTest {

    private static JMSException linkedTo(String message, Exception linked) {
        JMSException e = new JMSException(message);
        e.setLinkedException(linked);
        return e;
    }

    @Test
    void a_send_that_failed_with_artemis_not_connected_among_its_causes_could_not_reach_the_broker() {
        JMSException failed = linkedTo("send failed", new ActiveMQNotConnectedException(
                "AMQ219007: Cannot connect to server(s). Tried with all available servers."));

        assertThat(BrokerReach.stall(Optional.of(failed), false)).isEqualTo(Stall.UNREACHABLE);
    }

    @Test
    void a_blocking_call_unblocked_by_a_connection_failure_could_not_reach_the_broker() {
        JMSRuntimeException failed = new JMSRuntimeException("send failed", null, new ActiveMQUnBlockedException(
                "AMQ219016: Connection failure detected. Unblocking a blocking call that will never get a response"));

        assertThat(BrokerReach.stall(Optional.of(failed), false)).isEqualTo(Stall.UNREACHABLE);
    }

    @Test
    void a_resource_adapters_failure_that_passes_on_only_the_text_of_a_connect_that_failed_could_not_reach_the_broker() {
        JMSException failed = new JMSException("Error creating the session: AMQ219007: Cannot connect to server(s)");

        assertThat(BrokerReach.stall(Optional.of(failed), false)).isEqualTo(Stall.UNREACHABLE);
    }

    @Test
    void a_socket_refused_or_a_connect_not_tried_after_one_failed_could_not_reach_the_broker() {
        assertThat(BrokerReach.stall(Optional.of(new IllegalStateException("wrapped", new ConnectException(
                "Connection refused"))), false)).isEqualTo(Stall.UNREACHABLE);
        assertThat(BrokerReach.stall(Optional.of(new JMSRuntimeException("NVENT-0652 not trying the broker for "
                + "enqueues: a connect failed 12 ms ago")), false)).isEqualTo(Stall.UNREACHABLE);
    }

    @Test
    void a_send_interrupted_at_its_timeout_with_no_sign_of_a_connection_failure_was_held_back() {
        JMSRuntimeException interrupted = new JMSRuntimeException("send interrupted", null,
                new ActiveMQInterruptedException(new InterruptedException()));

        assertThat(BrokerReach.stall(Optional.of(interrupted), false)).isEqualTo(Stall.HELD_BACK);
        assertThat(BrokerReach.stall(Optional.empty(), false)).as("a watched send still waiting")
                .isEqualTo(Stall.HELD_BACK);
    }

    @Test
    void a_send_that_waits_while_this_nodes_workers_cannot_reach_the_broker_could_not_reach_it_either() {
        JMSRuntimeException interrupted = new JMSRuntimeException("send interrupted", null,
                new ActiveMQInterruptedException(new InterruptedException()));

        assertThat(BrokerReach.stall(Optional.of(interrupted), true)).isEqualTo(Stall.UNREACHABLE);
        assertThat(BrokerReach.stall(Optional.empty(), true)).isEqualTo(Stall.UNREACHABLE);
    }

    @Test
    void a_pool_that_refuses_a_connection_is_no_sign_of_a_broker_away() {
        JMSException refused = new JMSException("IJ000453: Unable to get managed connection for java:/JmsXA");

        assertThat(BrokerReach.connectionFailure(refused)).isEmpty();
    }
}
