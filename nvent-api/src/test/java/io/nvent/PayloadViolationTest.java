package io.nvent;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A violation reads as the REST {@code violations} item says it: the flow named only for a trigger's fire. */
class PayloadViolationTest {

    @Test
    void aViolationOfASingleFlowStartNamesNoFlowInItsText() {
        PayloadViolation violation = new PayloadViolation("amountCents", "must be greater than 0", "-5");

        assertThat(violation.flow()).isEmpty();
        assertThat(violation).hasToString("PayloadViolation[path=amountCents, message=must be greater than 0,"
                + " invalidValue=-5]");
    }

    @Test
    void aViolationOfATriggersFireNamesTheFlowThatRefusedIt() {
        PayloadViolation violation = new PayloadViolation("amountCents", "must be greater than 0", "-5")
                .ofFlow("refund");

        assertThat(violation).hasToString("PayloadViolation[path=amountCents, message=must be greater than 0,"
                + " invalidValue=-5, flow=refund]");
    }
}
