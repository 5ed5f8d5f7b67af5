package io.nvent.cdi.internal.engine;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/** Which configured names nvent reads, and what it says about one it does not. */
class KnownSettingsTest {

    private final KnownSettings known = KnownSettings.of(List.of(
            "nvent.queue.concurrency", "nvent.queue.*.concurrency", "nvent.stall.timeout-ms",
            "nvent.triggers.*.secret", "nvent.store.table-prefix"));

    @Test
    void aDeclaredNameAndANameFittingADeclaredPatternAreKnown() {
        assertThat(known.isKnown("nvent.queue.concurrency")).isTrue();
        assertThat(known.isKnown("nvent.queue.orders.concurrency")).isTrue();
        assertThat(known.isKnown("nvent.queue.orders.high.concurrency")).as("a queue name with dots").isTrue();
        assertThat(known.isKnown("nvent.triggers.partner-order.secret")).isTrue();
    }

    @Test
    void aMisspeltNameIsUnknownAndTheClosestKnownNameIsSuggested() {
        assertThat(known.unknownAmong(List.of("nvent.queue.concurency", "nvent.stall.timeout-ms")))
                .containsExactly("nvent.queue.concurency");
        assertThat(known.warningFor("nvent.queue.concurency")).isEqualTo("NVENT-0004 setting nvent.queue.concurency"
                + " is read by no module of this deployment, so it has no effect; did you mean nvent.queue.concurrency?");
    }

    @Test
    void aPatternNeedsItsChosenPart() {
        assertThat(known.isKnown("nvent.queue..concurrency")).isFalse();
        assertThat(known.isKnown("nvent.triggers.secret")).isFalse();
    }

    @Test
    void aNameFarFromEveryKnownOneSaysAModuleMayBeMissing() {
        assertThat(known.warningFor("nvent.queue.postgres.lease-duration")).isEqualTo("NVENT-0004 setting "
                + "nvent.queue.postgres.lease-duration is read by no module of this deployment, so it has no effect"
                + " (a module that reads it may be missing from the application)");
    }

    @Test
    void environmentVariablesAreCheckedInTheirOwnFormAndAnsweredInIt() {
        assertThat(known.isKnown("NVENT_QUEUE_CONCURRENCY")).isTrue();
        assertThat(known.isKnown("NVENT_QUEUE_MAIL_CONCURRENCY")).isTrue();
        assertThat(known.isKnown("NVENT_STORE_TABLE_PREFIX")).isTrue();
        assertThat(known.closestTo("NVENT_STALL_TIMEOUT_MS_")).contains("NVENT_STALL_TIMEOUT_MS");
        assertThat(known.isKnown("NVENT_STALL_TIMEOUT")).isFalse();
    }

    @Test
    void anEnvironmentVariableFarFromEveryKnownNameIsSomeoneElses() {
        assertThat(known.unknownAmong(List.of("NVENT_HOME", "NVENT_QUEUE_CONCURENCY")))
                .containsExactly("NVENT_QUEUE_CONCURENCY");
    }

    @Test
    void namesThatAreNotNventsAreNoneOfItsBusiness() {
        assertThat(known.unknownAmong(List.of("payara.instance", "PATH", "nventx.foo", "java.home"))).isEmpty();
    }

    @Test
    void everyModulesListOnTheClassPathCountsAndCommentsDoNot(@TempDir Path dir) throws IOException {
        Path first = dir.resolve("a/META-INF/nvent/settings");
        Path second = dir.resolve("b/META-INF/nvent/settings");
        Files.createDirectories(first.getParent());
        Files.createDirectories(second.getParent());
        Files.writeString(first, "# the engine\nnvent.queue.concurrency\n\n");
        Files.writeString(second, "nvent.queue.jms.prefix   # the JMS queue's\n");
        try (URLClassLoader loader = new URLClassLoader(new URL[] {
                dir.resolve("a").toUri().toURL(), dir.resolve("b").toUri().toURL()}, null)) {
            assertThat(KnownSettings.declaredIn(loader).names())
                    .containsExactly("nvent.queue.concurrency", "nvent.queue.jms.prefix");
        }
    }

    @Test
    void theEnginesOwnListHoldsWhatItReads() {
        KnownSettings engines = KnownSettings.declaredIn(KnownSettings.class.getClassLoader());

        assertThat(engines.isKnown("nvent.step.max-attempts")).isTrue();
        assertThat(engines.isKnown("nvent.queue.emails.concurrency")).isTrue();
    }
}
