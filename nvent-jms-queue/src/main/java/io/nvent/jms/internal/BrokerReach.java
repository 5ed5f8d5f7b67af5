package io.nvent.jms.internal;

import jakarta.jms.JMSException;
import java.util.Optional;
import java.util.Set;

/**
 * Tells a broker that cannot be reached from one that holds sends back. Either makes a send wait
 * past its timeout: a client whose broker is away reconnects while the send waits (Artemis's, with
 * reconnect attempts -1 as WildFly's pooled factories have, for as long as the broker is away), and
 * a broker at its disk or memory limit withholds the producer's credits. Only the second is about
 * the broker's disk; taken for it, an outage sent operators to look at a disk that was fine (QA,
 * WildFly with the broker process down: {@code NVENT-0648 … its disk or memory limit is reached}).
 *
 * <p>A broker is taken for unreachable when the send failed with a connection failure among its
 * causes, or when another part of this node finds that it cannot reach the broker (its workers'
 * receives, a connect that failed lately).
 */
public final class BrokerReach {

    /** Why a send waited longer than its timeout. */
    public enum Stall {
        /** The broker cannot be reached or does not answer. */
        UNREACHABLE,
        /** The broker answers but holds the send back (its disk or memory limit reached). */
        HELD_BACK
    }

    /** Bounded: a chain of causes may loop back. */
    private static final int MAX_CAUSES = 20;
    /** Artemis's client exceptions of a connection that failed, was lost or timed out. */
    private static final Set<String> CONNECTION_FAILURES = Set.of("ActiveMQNotConnectedException",
            "ActiveMQUnBlockedException", "ActiveMQConnectionTimedOutException", "ActiveMQDisconnectedException",
            "ActiveMQRemoteDisconnectException", "ConnectException", "NoRouteToHostException",
            "UnknownHostException");
    /**
     * What the messages of such failures say, for resource adapters that pass on the text only:
     * Artemis's "Cannot connect to server(s)" (AMQ219007), "Channel disconnected" (AMQ219006),
     * "Connection is destroyed" (AMQ219010), "Timed out after waiting … for response" (AMQ219014),
     * "disconnected because of server shutdown" (AMQ219015), "Connection failure detected" (AMQ219016),
     * and this module's own connects that fail at once after one failed (NVENT-0652).
     */
    private static final Set<String> CONNECTION_FAILURE_IDS = Set.of("AMQ219007", "AMQ219006", "AMQ219010",
            "AMQ219014", "AMQ219015", "AMQ219016", "NVENT-0652");

    private BrokerReach() {
    }

    /**
     * Why a send waited longer than its timeout.
     *
     * @param failure how the send failed, if it did (a send that still waits has not)
     * @param unreachableElsewhere whether another part of this node finds now that it cannot reach the broker
     * @return {@link Stall#UNREACHABLE} when either tells so, else {@link Stall#HELD_BACK}
     */
    public static Stall stall(Optional<? extends Throwable> failure, boolean unreachableElsewhere) {
        return unreachableElsewhere || failure.flatMap(BrokerReach::connectionFailure).isPresent()
                ? Stall.UNREACHABLE : Stall.HELD_BACK;
    }

    /** The connection failure among the causes of {@code failure}, if there is one. */
    public static Optional<Throwable> connectionFailure(Throwable failure) {
        Throwable cause = failure;
        for (int depth = 0; cause != null && depth < MAX_CAUSES; depth++, cause = next(cause)) {
            String message = String.valueOf(cause.getMessage());
            if (CONNECTION_FAILURES.contains(cause.getClass().getSimpleName())
                    || CONNECTION_FAILURE_IDS.stream().anyMatch(message::contains)) {
                return Optional.of(cause);
            }
        }
        return Optional.empty();
    }

    /** The cause, or for a JMS exception without one its linked exception, as resource adapters set. */
    private static Throwable next(Throwable current) {
        Throwable cause = current.getCause();
        if (cause == null && current instanceof JMSException jms) {
            cause = jms.getLinkedException();
        }
        return cause == current ? null : cause;
    }
}
