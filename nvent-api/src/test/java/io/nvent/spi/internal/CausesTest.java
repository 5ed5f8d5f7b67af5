package io.nvent.spi.internal;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** A failure's causes are walked each once, also when they loop. */
class CausesTest {

    @Test
    void theChainListsAFailureAndItsCausesOutermostFirst() {
        IOException io = new IOException("connection reset");
        IllegalStateException outer = new IllegalStateException("call failed", io);

        assertThat(Causes.chain(outer)).containsExactly(outer, io);
        assertThat(Causes.chain(null)).isEmpty();
    }

    @Test
    void causesThatLoopAreListedOnceAndASearchOfThemEnds() {
        RuntimeException outer = new IllegalStateException("outer");
        RuntimeException inner = new IllegalArgumentException("inner");
        outer.initCause(inner);
        inner.initCause(outer);

        assertThat(assertTimeoutPreemptively(Duration.ofSeconds(5), () -> Causes.chain(outer)))
                .containsExactly(outer, inner);
        assertThat(assertTimeoutPreemptively(Duration.ofSeconds(5), () ->
                Causes.anyMatch(outer, t -> t instanceof InterruptedIOException))).isFalse();
    }
}
