package io.nvent.jms.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.nvent.testkit.LogRecorder;
import jakarta.jms.JMSException;
import jakarta.jms.JMSRuntimeException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class FailFastConnectsTest {

    /** Longer than a loaded machine stalls between two connects that must fall in one probe time. */
    private static final Duration PROBE_EVERY = Duration.ofSeconds(2);

    private final FailFastConnects connects = new FailFastConnects("enqueues", PROBE_EVERY);
    private final AtomicInteger tries = new AtomicInteger();
    private volatile boolean brokerAway = true;

    @Test
    void after_a_failed_connect_the_next_ones_fail_at_once_without_trying_the_broker() {
        assertThatThrownBy(this::connect).isInstanceOf(JMSException.class).hasMessage("connection refused");

        assertThatThrownBy(this::connect).isInstanceOf(JMSRuntimeException.class)
                .hasMessageStartingWith("NVENT-0652 not trying the broker for enqueues: a connect failed ")
                .hasMessageContaining("(jakarta.jms.JMSException: connection refused); one connect every PT2S tries it again");
        assertThat(tries).as("only the first tried the broker").hasValue(1);
    }

    @Test
    void once_the_probe_time_passed_one_connect_tries_again_and_its_success_lets_every_connect_through()
            throws Exception {
        assertThatThrownBy(this::connect).isInstanceOf(JMSException.class);

        await().atMost(Duration.ofSeconds(10)).until(() -> {
            try {
                connect();
            } catch (JMSRuntimeException failedAtOnce) {
                return false;
            } catch (JMSException tried) {
                return true;
            }
            return false;
        });
        assertThat(tries).as("one more try after the probe time").hasValue(2);
        brokerAway = false;
        await().atMost(Duration.ofSeconds(10)).ignoreExceptionsInstanceOf(JMSRuntimeException.class)
                .until(() -> "connected".equals(connect()));

        assertThat(connect()).isEqualTo("connected");
        assertThat(connect()).isEqualTo("connected");
    }

    @Test
    void an_outage_is_logged_once_when_it_starts_and_once_when_connects_work_again() throws Exception {
        try (LogRecorder log = LogRecorder.recording(entry -> entry.getMessage() != null
                && entry.getMessage().contains("for enqueues"))) {
            for (int i = 0; i < 3; i++) {
                try {
                    connect();
                } catch (JMSException | JMSRuntimeException expected) {
                    // refused or failed at once
                }
            }
            brokerAway = false;
            await().atMost(Duration.ofSeconds(10)).ignoreExceptionsInstanceOf(JMSRuntimeException.class)
                    .until(() -> "connected".equals(connect()));

            assertThat(log.records()).extracting(entry -> entry.getMessage().substring(0, 10))
                    .containsExactly("NVENT-0653", "NVENT-0654");
        }
    }

    @Test
    void connects_that_work_never_fail_at_once() throws Exception {
        brokerAway = false;
        for (int i = 0; i < 3; i++) {
            assertThat(connect()).isEqualTo("connected");
        }
        assertThat(tries).hasValue(3);
    }

    private String connect() throws JMSException {
        return connects.connect(() -> {
            tries.incrementAndGet();
            if (brokerAway) {
                throw new JMSException("connection refused");
            }
            return "connected";
        });
    }
}
