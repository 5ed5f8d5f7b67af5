package io.nvent;

import java.util.Set;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A key replayed with other labels is a conflict naming the run, its labels and the start's. */
class IdempotencyKeyLabelsConflictTest {

    @Test
    void theConflictNamesBothLabelSetsSortedAndTheRunItStarted() {
        IdempotencyKeyConflictException conflict = IdempotencyKeyConflictException.ofLabels("invoice", "inv-7", "run-1",
                Set.of("vip", "customer:acme"), Set.of());

        assertThat(conflict).hasMessage("NVENT-0284 idempotency key 'inv-7' of flow 'invoice' already started run run-1"
                + " with the same input and labels [customer:acme, vip]; this start gives no labels, so it is another"
                + " request; nothing was started; a new request needs a new key");
        assertThat(conflict.flow()).isEqualTo("invoice");
        assertThat(conflict.idempotencyKey()).isEqualTo("inv-7");
        assertThat(conflict.runId()).isEqualTo("run-1");
    }
}
