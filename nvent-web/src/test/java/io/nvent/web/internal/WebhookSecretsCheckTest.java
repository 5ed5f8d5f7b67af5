package io.nvent.web.internal;

import io.nvent.TriggerInfo;
import io.nvent.TriggerSpec;
import io.nvent.TriggerType;
import io.nvent.web.internal.rest.WebhookProtection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** What the start-up check says about webhook triggers and their secrets. */
class WebhookSecretsCheckTest {

    private static final WebhookProtection OPEN = new WebhookProtection(List.of(), "nvent", List.of(),
            "X-API-Key");
    private static final WebhookProtection SIGNED = new WebhookProtection(List.of("a-secret-of-28-characters-xy"), "nvent",
            List.of(), "X-API-Key");
    private static final WebhookProtection KEYED = new WebhookProtection(List.of(), "nvent",
            List.of("demo-key"), "X-API-Key");

    private static TriggerInfo trigger(String name, TriggerType type) {
        TriggerSpec.Builder spec = TriggerSpec.newBuilder(name, type).flows(List.of("orders"));
        if (type == TriggerType.EVENT) {
            spec.event("orders.placed");
        }
        return new TriggerInfo(spec.build(), true, 0, 0, Optional.empty(), Optional.empty(), Optional.empty());
    }

    private static List<String> warningsOf(Runnable check) {
        List<String> warnings = new CopyOnWriteArrayList<>();
        Logger log = Logger.getLogger(WebhookSecretsCheck.class.getName());
        Handler collector = new Handler() {
            @Override
            public void publish(LogRecord entry) {
                warnings.add(new java.util.logging.SimpleFormatter().formatMessage(entry));
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        log.addHandler(collector);
        try {
            check.run();
        } finally {
            log.removeHandler(collector);
        }
        return warnings;
    }

    @Test
    void aSecretUnderAMisspeltNameIsReportedAndTheRealTriggerShownOpen() {
        List<String> configured = List.of("nvent.triggers.erp-hok.secret", "nvent.queue.concurrency");
        List<String> warnings = warningsOf(() -> WebhookSecretsCheck.report("",
                List.of(trigger("erp-hook", TriggerType.WEBHOOK), trigger("on-close", TriggerType.EVENT)),
                configured, trigger -> configured.contains("nvent.triggers." + trigger + ".secret") ? SIGNED : OPEN));

        assertThat(warnings).containsExactly(
                "NVENT-0711 nvent.triggers.erp-hok.secret names no webhook trigger, so it signs nothing; the webhook "
                        + "triggers are [erp-hook]",
                "NVENT-0712 webhook trigger erp-hook takes unauthenticated requests: anyone who reaches "
                        + "/api/nvent/triggers/erp-hook/webhook starts its flows; set nvent.triggers.erp-hook.secret "
                        + "to require a signature or nvent.triggers.erp-hook.api-key to require an API key");
    }

    @Test
    void anOpenWebhooksPathStartsWithTheContextRootAsTheConsolesAndTheApisDo() {
        List<String> warnings = warningsOf(() -> WebhookSecretsCheck.report("/acme-bad",
                List.of(trigger("hook-with-cron", TriggerType.WEBHOOK)), List.of(), trigger -> OPEN));

        assertThat(warnings).singleElement().asString().contains("anyone who reaches "
                + "/acme-bad/api/nvent/triggers/hook-with-cron/webhook starts its flows");
    }

    @Test
    void signedWebhooksAndOtherTriggersSayNothing() {
        assertThat(warningsOf(() -> WebhookSecretsCheck.report("",
                List.of(trigger("erp-hook", TriggerType.WEBHOOK), trigger("on-close", TriggerType.EVENT)),
                List.of("nvent.triggers.erp-hook.secret"), trigger -> SIGNED))).isEmpty();
    }

    @Test
    void aSecretGivenAsAnEnvironmentVariableSignsItsTriggerAndAMisspeltOneIsReported() {
        List<String> warnings = warningsOf(() -> WebhookSecretsCheck.report("",
                List.of(trigger("erp-hook", TriggerType.WEBHOOK), trigger("partner-order", TriggerType.WEBHOOK)),
                List.of("NVENT_TRIGGERS_ERP_HOOK_SECRET", "NVENT_TRIGGERS_PARTNER_ORDR_SECRET"),
                trigger -> SIGNED));

        assertThat(warnings).containsExactly("NVENT-0711 NVENT_TRIGGERS_PARTNER_ORDR_SECRET names no webhook trigger, "
                + "so it signs nothing; the webhook triggers are [erp-hook, partner-order]");
    }

    @Test
    void anApiKeyProtectsItsTriggerAndOneUnderAMisspeltNameIsReportedDottedOrAsAVariable() {
        List<String> configured = List.of("nvent.triggers.erp-hook.api-key", "nvent.triggers.erp-hook.api-key-header",
                "nvent.triggers.partner-ordr.api-key", "NVENT_TRIGGERS_PARTNER_ORDR_API_KEY");
        List<String> warnings = warningsOf(() -> WebhookSecretsCheck.report("",
                List.of(trigger("erp-hook", TriggerType.WEBHOOK), trigger("partner-order", TriggerType.WEBHOOK)),
                configured, trigger -> configured.contains("nvent.triggers." + trigger + ".api-key") ? KEYED : OPEN));

        assertThat(warnings).containsExactly(
                "NVENT-0711 nvent.triggers.partner-ordr.api-key names no webhook trigger, so no request needs that "
                        + "key; the webhook triggers are [erp-hook, partner-order]",
                "NVENT-0711 NVENT_TRIGGERS_PARTNER_ORDR_API_KEY names no webhook trigger, so no request needs that "
                        + "key; the webhook triggers are [erp-hook, partner-order]",
                "NVENT-0712 webhook trigger partner-order takes unauthenticated requests: anyone who reaches "
                        + "/api/nvent/triggers/partner-order/webhook starts its flows; set "
                        + "nvent.triggers.partner-order.secret to require a signature or "
                        + "nvent.triggers.partner-order.api-key to require an API key");
    }

    @Test
    void anApiKeyGivenAsAnEnvironmentVariableNamesItsTrigger() {
        assertThat(warningsOf(() -> WebhookSecretsCheck.report("", List.of(trigger("erp-hook", TriggerType.WEBHOOK)),
                List.of("NVENT_TRIGGERS_ERP_HOOK_API_KEY", "NVENT_TRIGGERS_ERP_HOOK_API_KEY_HEADER"),
                trigger -> SIGNED))).isEmpty();
    }

    @Test
    void aSignatureSchemeThatIsNoneIsReportedAndOneUnderAMisspeltNameToo() {
        WebhookProtection unknownScheme = new WebhookProtection(List.of("a-secret-of-28-characters-xy"), "gitlab", List.of(),
                "X-API-Key");
        List<String> warnings = warningsOf(() -> WebhookSecretsCheck.report("",
                List.of(trigger("erp-hook", TriggerType.WEBHOOK), trigger("gh-push", TriggerType.WEBHOOK)),
                List.of("nvent.triggers.erp-hook.signature-scheme", "NVENT_TRIGGERS_GH_PUSHH_SIGNATURE_SCHEME"),
                trigger -> trigger.equals("erp-hook") ? unknownScheme : SIGNED));

        assertThat(warnings).containsExactly(
                "NVENT-0711 NVENT_TRIGGERS_GH_PUSHH_SIGNATURE_SCHEME names no webhook trigger, so it changes "
                        + "nothing; the webhook triggers are [erp-hook, gh-push]",
                "NVENT-0770 nvent.triggers.erp-hook.signature-scheme is 'gitlab', which is neither nvent nor "
                        + "github: its webhook answers every request 500 until it is fixed");
    }

    @Test
    void aSecretShorterThanSixteenCharactersIsReportedNamingItsTriggerAndNeverTheSecret() {
        WebhookProtection newAndShortOld = new WebhookProtection(List.of("a-secret-of-28-characters-xy", "demo-secret"),
                "nvent", List.of(), "X-API-Key");
        List<String> warnings = warningsOf(() -> WebhookSecretsCheck.report("",
                List.of(trigger("partner-order", TriggerType.WEBHOOK), trigger("erp-hook", TriggerType.WEBHOOK)),
                List.of("nvent.triggers.partner-order.secret", "nvent.triggers.erp-hook.secret"),
                trigger -> trigger.equals("partner-order") ? newAndShortOld : SIGNED));

        assertThat(warnings).containsExactly("NVENT-0793 webhook trigger partner-order has a secret of fewer than 16 "
                + "characters (nvent.triggers.partner-order.secret), which is easier to guess: its signatures can be "
                + "forged by whoever guesses it; give it a random secret of at least 32 characters");
        assertThat(String.join("\n", warnings)).doesNotContain("demo-secret");
    }
}
