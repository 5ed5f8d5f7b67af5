package io.nvent;

import java.time.Duration;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A trigger's concurrency key is fixed, or read from each fire's payload after a prefix; the builder refuses what could not work. */
class TriggerSpecConcurrencyKeyTest {

    private static TriggerSpec.Builder webhook() {
        return TriggerSpec.newBuilder("orders-hook", TriggerType.WEBHOOK).flow("orders");
    }

    @Test
    void aPointerWithAPrefixIsKeptAndCopiedByToBuilderAndWithEnabled() {
        TriggerSpec spec = webhook().concurrencyKeyFrom("/customer/id").concurrencyKeyPrefix("orders:").build();

        assertThat(spec.concurrencyKeyFrom()).hasValue("/customer/id");
        assertThat(spec.concurrencyKeyPrefix()).hasValue("orders:");
        assertThat(spec.concurrencyKey()).isEmpty();
        assertThat(spec.toBuilder().build()).isEqualTo(spec);
        assertThat(spec.withEnabled(false).concurrencyKeyFrom()).hasValue("/customer/id");
    }

    @Test
    void aFixedKeyBelongsToAnyTypeASchedulesToo() {
        assertThat(TriggerSpec.newBuilder("nightly", TriggerType.SCHEDULE).flow("sync").cron("0 2 * * *")
                .concurrencyKey("nightly-sync").build().concurrencyKey()).hasValue("nightly-sync");
    }

    @Test
    void aKeyAndAPointerBothOrAPrefixWithoutAPointerAreRefused() {
        assertThatThrownBy(() -> webhook().concurrencyKey("all").concurrencyKeyFrom("/customerId").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("NVENT-0266 trigger 'orders-hook' gives both a concurrency key and a pointer");
        assertThatThrownBy(() -> webhook().concurrencyKeyPrefix("orders:").build())
                .hasMessageStartingWith("NVENT-0266 trigger 'orders-hook' gives a concurrency key prefix without a"
                        + " pointer").hasMessageNotContaining("ambiguous");
        assertThatThrownBy(() -> webhook().concurrencyKey("all").concurrencyKeyPrefix("orders:").build())
                .hasMessageStartingWith("NVENT-0266 ").hasMessageContaining("ambiguous");
    }

    @Test
    void aPointerMustBeRfc6901Syntax() {
        for (String bad : new String[] {"customerId", "", "/a~2", "/a~", "#/customerId"}) {
            assertThatThrownBy(() -> webhook().concurrencyKeyFrom(bad).build()).as(bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("NVENT-0268 ");
        }
        for (String good : new String[] {"/customerId", "/a~1b/~0c", "/lines/0/sku", "/"}) {
            assertThat(webhook().concurrencyKeyFrom(good).build().concurrencyKeyFrom()).as(good).hasValue(good);
        }
    }

    @Test
    void aKeyPointerOrPrefixLongerThanAKeyCanBeIsRefused() {
        String tooLong = "k".repeat(StartOptions.MAX_CONCURRENCY_KEY_LENGTH + 1);

        assertThatThrownBy(() -> webhook().concurrencyKey(tooLong).build())
                .hasMessageStartingWith("NVENT-0268 the concurrency key of trigger 'orders-hook' is invalid")
                .hasMessageContaining("at most 200 characters");
        assertThatThrownBy(() -> webhook().concurrencyKeyFrom("/" + tooLong).build()).hasMessageStartingWith("NVENT-0268 ");
        assertThatThrownBy(() -> webhook().concurrencyKeyFrom("/id").concurrencyKeyPrefix(tooLong).build())
                .hasMessageStartingWith("NVENT-0268 ");
    }

    @Test
    void aPrefixLeavesRoomForAtLeastOneCharacterOfTheValueRead() {
        String longest = "p".repeat(StartOptions.MAX_CONCURRENCY_KEY_LENGTH - 1);

        assertThat(webhook().concurrencyKeyFrom("/id").concurrencyKeyPrefix(longest).build().concurrencyKeyPrefix())
                .hasValue(longest);
        assertThatThrownBy(() -> webhook().concurrencyKeyFrom("/id").concurrencyKeyPrefix(longest + "p").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("NVENT-0268 the concurrency key prefix (concurrencyKeyPrefix)")
                .hasMessageContaining("must be 1-199 characters");
    }

    @Test
    void aScheduleCannotReadItsKeyFromAPayloadItHasNot() {
        assertThatThrownBy(() -> TriggerSpec.newBuilder("every-minute", TriggerType.SCHEDULE).flow("sync")
                .every(Duration.ofMinutes(1)).concurrencyKeyFrom("/scheduledAt").build())
                .hasMessageStartingWith("NVENT-0269 trigger 'every-minute' is a schedule trigger");
    }
}
