package io.nvent.jms.internal;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.jms.JMSException;
import jakarta.jms.JMSRuntimeException;
import jakarta.jms.JMSSecurityException;
import jakarta.jms.JMSSecurityRuntimeException;
import org.junit.jupiter.api.Test;

/**
 * Whether a broker refused the login or an operation: by Artemis's code where it gives one, else by the step that
 * failed, for any broker's client. (Against a real Artemis: JmsSecuredBrokerTest.)
 */
class BrokerRefusalsTest {

    /** ActiveMQ Classic's words for a refused login, with no code this class knows. */
    private static final JMSSecurityException CLASSIC_LOGIN =
            new JMSSecurityException("User name [anonymous] or password is invalid.");
    /** ActiveMQ Classic's words for a missing permission. */
    private static final JMSSecurityException CLASSIC_PERMISSION =
            new JMSSecurityException("User nvent is not authorized to read from: topic://nvent-events");

    @Test
    void another_brokers_refusal_before_a_session_is_taken_for_the_login_and_after_one_for_a_permission() {
        assertThat(BrokerRefusals.refusedLogin(runtime(CLASSIC_LOGIN), true)).isTrue();
        assertThat(BrokerRefusals.refusedLogin(runtime(CLASSIC_PERMISSION), false)).isFalse();
    }

    @Test
    void the_runtime_twin_of_a_security_exception_counts_as_well_anywhere_in_the_chain() {
        JMSRuntimeException wrapped = new JMSRuntimeException("could not create the session", null,
                new JMSSecurityRuntimeException("Authentication failed"));

        assertThat(BrokerRefusals.refusedLogin(wrapped, true)).isTrue();
        assertThat(BrokerRefusals.refusedLogin(wrapped, false)).isFalse();
    }

    @Test
    void a_failure_before_a_session_that_the_broker_did_not_refuse_for_security_is_no_refused_login() {
        JMSRuntimeException away = new JMSRuntimeException("AMQ219007: Cannot connect to server(s)");

        assertThat(BrokerRefusals.refusedLogin(away, true)).isFalse();
        assertThat(BrokerRefusals.refusedLogin(runtime(new JMSException("AMQ229031 in a text of no security")), true))
                .as("a code alone, outside a security exception's chain").isFalse();
    }

    @Test
    void artemis_s_code_says_which_whatever_the_step() {
        JMSSecurityRuntimeException login = new JMSSecurityRuntimeException(
                "AMQ229031: Unable to validate user from /127.0.0.1:50000. Username: null; SSL certificate subject DN: "
                        + "unavailable");
        JMSSecurityRuntimeException permission = new JMSSecurityRuntimeException(
                "AMQ229213: User: nvent does not have permission='CREATE_NON_DURABLE_QUEUE' for queue 1f0 on address "
                        + "nvent-events");

        assertThat(BrokerRefusals.refusedLogin(login, false)).as("a resource adapter's context logs in on first use")
                .isTrue();
        assertThat(BrokerRefusals.refusedLogin(permission, true)).isFalse();
        assertThat(BrokerRefusals.refusedLogin(new JMSSecurityRuntimeException(
                "AMQ229032: User: nvent does not have permission='SEND' on address nvent-events"), true)).isFalse();
    }

    @Test
    void a_code_that_merely_contains_artemis_s_is_not_taken_for_it() {
        assertThat(BrokerRefusals.refusedLogin(new JMSSecurityRuntimeException("XAMQ2290311 refused"), false))
                .isFalse();
    }

    private static JMSRuntimeException runtime(JMSException cause) {
        return new JMSRuntimeException(cause.getMessage(), cause.getErrorCode(), cause);
    }
}
