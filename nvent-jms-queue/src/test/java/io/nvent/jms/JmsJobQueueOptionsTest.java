package io.nvent.jms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class JmsJobQueueOptionsTest {

    @Test
    void jobsAboveTheDefaultPriorityAreDelayedByAMillisecondByDefault() {
        assertThat(JmsJobQueueOptions.DEFAULTS.raisedPriorityDelay()).isEqualTo(Duration.ofMillis(1));
    }

    @Test
    void theRaisedPriorityDelayCanBeTurnedOffAndSurvivesACopy() {
        JmsJobQueueOptions off = JmsJobQueueOptions.newBuilder().raisedPriorityDelay(Duration.ZERO).build();

        assertThat(off.toBuilder().build().raisedPriorityDelay()).isZero();
    }

    @Test
    void aNegativeOrLongRaisedPriorityDelayIsRefusedWithItsValue() {
        assertThatThrownBy(() -> JmsJobQueueOptions.newBuilder().raisedPriorityDelay(Duration.ofMillis(-1)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("raisedPriorityDelay")
                .hasMessageContaining("PT-0.001S");
        assertThatThrownBy(() -> JmsJobQueueOptions.newBuilder().raisedPriorityDelay(Duration.ofSeconds(2)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT2S");
    }

    @Test
    void aSendWaitsTenSecondsForTheBrokerByDefaultAndAtLeastAMillisecond() {
        assertThat(JmsJobQueueOptions.DEFAULTS.sendTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(JmsJobQueueOptions.newBuilder().sendTimeout(Duration.ofSeconds(3)).build().toBuilder().build()
                .sendTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThatThrownBy(() -> JmsJobQueueOptions.newBuilder().sendTimeout(Duration.ZERO).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sendTimeout")
                .hasMessageContaining("PT0S");
    }

    @Test
    void optionsConstructedAsIn01StillCompileAndNameTheBrokerByItsConnectionFactory() {
        JmsJobQueueOptions d = JmsJobQueueOptions.DEFAULTS;

        JmsJobQueueOptions as01 = new JmsJobQueueOptions(d.prefix(), d.receiveTimeout(), d.completedRetention(),
                d.brokerDuplicateDetection(), d.shareConnection(), d.transactions(), d.shutdownGrace(),
                d.maxErrorLength(), d.maxAttemptsPerCommit(), d.maxCommitDelay(), d.raisedPriorityDelay(),
                d.sendTimeout());

        assertThat(as01).isEqualTo(d);
        assertThat(as01.broker()).isEqualTo(JmsJobQueueOptions.UNNAMED_BROKER);
    }

    @Test
    void deliveriesAreNotLimitedByDefaultAndALimitSurvivesACopyAndOptionsBuiltWithoutOne() {
        JmsJobQueueOptions d = JmsJobQueueOptions.DEFAULTS;

        JmsJobQueueOptions before = new JmsJobQueueOptions(d.prefix(), d.receiveTimeout(), d.completedRetention(),
                d.brokerDuplicateDetection(), d.shareConnection(), d.transactions(), d.shutdownGrace(),
                d.maxErrorLength(), d.maxAttemptsPerCommit(), d.maxCommitDelay(), d.raisedPriorityDelay(),
                d.sendTimeout(), "tcp://broker:61616");

        assertThat(d.maxDeliveries()).isEqualTo(JmsJobQueueOptions.NO_DELIVERY_LIMIT).isZero();
        assertThat(before.maxDeliveries()).isZero();
        assertThat(JmsJobQueueOptions.newBuilder().maxDeliveries(5).build().toBuilder().build().maxDeliveries())
                .isEqualTo(5);
        assertThatThrownBy(() -> JmsJobQueueOptions.newBuilder().maxDeliveries(-1).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxDeliveries")
                .hasMessageContaining("-1");
    }
}
