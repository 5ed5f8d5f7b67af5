package io.nvent;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A start's concurrency limit comes with its key, 1 to 1,000; the builder refuses anything else at once. */
class StartOptionsConcurrencyLimitTest {

    @Test
    void aKeyAloneLetsOneRunAtATimeHoldIt() {
        StartOptions options = StartOptions.newBuilder().concurrencyKey("customer-42").build();

        assertThat(options.concurrencyLimit()).isEqualTo(1);
        assertThat(StartOptions.DEFAULTS.concurrencyLimit()).as("no key: the default").isEqualTo(1);
    }

    @Test
    void aKeyWithALimitKeepsItBesideADelay() {
        StartOptions options = StartOptions.newBuilder().concurrencyKey("customer-42", 3).delay(Duration.ofMinutes(1))
                .build();

        assertThat(options.concurrencyKey()).hasValue("customer-42");
        assertThat(options.concurrencyLimit()).isEqualTo(3);
        assertThat(StartOptions.newBuilder().concurrencyKey("k", StartOptions.MAX_CONCURRENCY_LIMIT).build()
                .concurrencyLimit()).isEqualTo(1000);
    }

    @Test
    void aLimitGivenWithTheKeyIsChosenEvenIfItIsOneAndAKeyAloneLeavesItUnchosen() {
        assertThat(StartOptions.newBuilder().concurrencyKey("k", 1).build().concurrencyLimitChosen()).isTrue();
        assertThat(StartOptions.newBuilder().concurrencyKey("k").build().concurrencyLimitChosen()).isFalse();
        assertThat(StartOptions.newBuilder().concurrencyKey("k", 3).concurrencyKey("k").build().concurrencyLimit())
                .as("the later key alone sets the limit back to its default").isEqualTo(1);
        assertThat(new StartOptions(Optional.empty(), Optional.empty(), Optional.of("k"), 1).concurrencyLimitChosen())
                .as("given to the constructor").isTrue();
        assertThat(new StartOptions(Optional.empty(), Optional.empty(), Optional.empty(), 1, true)
                .concurrencyLimitChosen()).as("no key, nothing chosen").isFalse();
        assertThat(StartOptions.DEFAULTS.concurrencyLimitChosen()).isFalse();
    }

    @Test
    void aLimitOtherThanTheDefaultIsAChosenOneWhateverTheConstructorIsTold() {
        StartOptions three = new StartOptions(Optional.empty(), Optional.empty(), Optional.of("k"), 3, false);

        assertThat(three.concurrencyLimitChosen()).as("3 is no default a trigger's fire may replace").isTrue();
        assertThat(three).isEqualTo(StartOptions.newBuilder().concurrencyKey("k", 3).build());
        assertThat(new StartOptions(Optional.empty(), Optional.empty(), Optional.of("k"), 1, false)
                .concurrencyLimitChosen()).as("1 told unchosen").isFalse();
    }

    @Test
    void aLimitOutOfRangeIsRefusedByTheBuilderAtOnce() {
        StartOptions.Builder builder = StartOptions.newBuilder();

        assertThatThrownBy(() -> builder.concurrencyKey("k", 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("NVENT-0270 a concurrency limit is 1 to 1000 runs of a key at a time, was 0");
        assertThatThrownBy(() -> builder.concurrencyKey("k", 1001)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("NVENT-0270");
        assertThat(builder.build().concurrencyKey()).as("nothing set by a refused call").isEmpty();
    }

    @Test
    void aLimitWithoutAKeyIsRefused() {
        assertThatThrownBy(() -> new StartOptions(Optional.empty(), Optional.empty(), Optional.empty(), 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("NVENT-0271 a concurrency limit (2) needs a concurrency key");
    }
}
