package io.nvent.jms.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class JmsJobQueueProducerTest {

    @Test
    void a_negative_delivery_limit_is_refused_naming_its_setting_and_what_to_set() {
        assertThatThrownBy(() -> JmsJobQueueProducer.atLeast("nvent.queue.jms.max-deliveries", "-1", 0,
                "0 for no limit"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("NVENT-0634 nvent.queue.jms.max-deliveries must be a whole number of at least 0"
                        + " (0 for no limit), was '-1'");
    }

    @Test
    void a_delivery_limit_that_is_no_number_is_refused_naming_its_setting() {
        assertThatThrownBy(() -> JmsJobQueueProducer.atLeast("nvent.queue.jms.max-deliveries", "three", 0,
                "0 for no limit"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("NVENT-0634 nvent.queue.jms.max-deliveries must be a whole number")
                .hasMessageEndingWith("was 'three'");
    }

    @Test
    void a_whole_number_setting_is_read_as_written_around_spaces() {
        assertThat(JmsJobQueueProducer.atLeast("nvent.queue.jms.max-deliveries", " 5 ", 0, "0 for no limit"))
                .isEqualTo(5);
        assertThat(JmsJobQueueProducer.atLeast("nvent.queue.jms.max-attempts-per-commit", "1", 1, "1 commits each job"
                + " on its own")).isOne();
    }
}
