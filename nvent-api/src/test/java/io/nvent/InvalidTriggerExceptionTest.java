package io.nvent;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A refused trigger's message begins with one message id, the one an operator searches for. */
class InvalidTriggerExceptionTest {

    @Test
    void aMessageWithoutAnIdGetsNvent0210AndOneWithAnIdOfItsOwnKeepsItAlone() {
        assertThat(new InvalidTriggerException("trigger 'nightly' names flow 'nope', which is not registered"))
                .hasMessage("NVENT-0210 trigger 'nightly' names flow 'nope', which is not registered");
        assertThat(new InvalidTriggerException("NVENT-0153 schedule trigger 'odd' cannot be armed"))
                .hasMessage("NVENT-0153 schedule trigger 'odd' cannot be armed");
        assertThat(new InvalidTriggerException("NVENT-015 is no id"))
                .hasMessage("NVENT-0210 NVENT-015 is no id");
    }

    /** A caller passing on another exception's message, which may be null, gets a refusal, not a NullPointerException. */
    @Test
    void aNullMessageIsStillARefusalWithNvent0210AsBeforeTheOwnIdCheck() {
        assertThat(new InvalidTriggerException(null)).hasMessage("NVENT-0210 null");
    }
}
