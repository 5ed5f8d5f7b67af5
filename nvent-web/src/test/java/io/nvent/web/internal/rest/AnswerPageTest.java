package io.nvent.web.internal.rest;

import io.nvent.AwaitInfo;
import io.nvent.AwaitPosition;
import io.nvent.AwaitStatus;
import io.nvent.AwaitType;
import java.time.Instant;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The page behind a webhook await's URL, opened in a browser. */
class AnswerPageTest {

    private static AwaitInfo await(AwaitStatus status) {
        return new AwaitInfo("await-1", "run-<1>", "expense", "pay\"&", AwaitPosition.BEFORE, AwaitType.WEBHOOK, status,
                Instant.parse("2026-12-02T10:00:00Z"), Optional.empty(), Optional.of(Instant.parse("2026-12-03T10:00:00Z")));
    }

    @Test
    void aWaitingAwaitGetsAFormWhoseOnlyScriptCarriesTheNonceThePolicyAllows() {
        AnswerPage.Rendered page = AnswerPage.of(await(AwaitStatus.WAITING));
        String html = page.html();
        String policy = page.headers().get("Content-Security-Policy");

        assertThat(page.status()).isEqualTo(200);
        assertThat(html).contains("A run waits for your answer", "<form id=\"answer\">", "2026-12-03T10:00:00Z");
        Matcher nonce = Pattern.compile("<script nonce=\"([^\"]+)\">").matcher(html);
        assertThat(nonce.find()).isTrue();
        assertThat(policy).contains("script-src 'nonce-" + nonce.group(1) + "'", "frame-ancestors 'none'")
                .startsWith("default-src 'none'");
        assertThat(page.headers()).containsEntry("Cache-Control", "no-store").containsEntry("Referrer-Policy", "no-referrer");
    }

    @Test
    void namesAreWrittenAsTextNeverAsMarkup() {
        String html = AnswerPage.of(await(AwaitStatus.WAITING)).html();

        assertThat(html).contains("run-&lt;1&gt;", "pay&quot;&amp;").doesNotContain("run-<1>");
    }

    @Test
    void anAnsweredAwaitSaysSoAndOffersNoForm() {
        String html = AnswerPage.of(await(AwaitStatus.RESOLVED)).html();

        assertThat(html).contains("Nothing to answer", "It was answered already.").doesNotContain("<form");
    }

    @Test
    void anUnknownTokenGetsA404Page() {
        AnswerPage.Rendered page = AnswerPage.unknown();

        assertThat(page.status()).isEqualTo(404);
        assertThat(page.html()).contains("This link is not known");
    }
}
