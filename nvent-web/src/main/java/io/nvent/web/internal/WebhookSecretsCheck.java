package io.nvent.web.internal;

import io.nvent.TriggerInfo;
import io.nvent.TriggerService;
import io.nvent.TriggerType;
import io.nvent.web.internal.rest.WebhookProtection;
import jakarta.enterprise.inject.spi.CDI;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.StreamSupport;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Says at start which webhook triggers take requests from anyone, and which are signed with a secret
 * short enough to guess. A secret or an API key under a
 * misspelt trigger name ({@code nvent.triggers.erp-hok.secret}) is a setting like any other to the
 * check for unknown keys, since trigger names are the user's; it leaves the real trigger open to
 * anyone, and nothing else would tell.
 */
public final class WebhookSecretsCheck implements ServletContextListener {

    private static final System.Logger LOG = System.getLogger(WebhookSecretsCheck.class.getName());

    /**
     * A setting that protects the webhook of the trigger it names: its name, dotted and as an
     * environment variable, with the trigger's name as group 1; and what it does for a name that
     * is no webhook trigger's.
     */
    private record Guard(Pattern dotted, Pattern environment, String effect) {
    }

    private static final List<Guard> GUARDS = List.of(
            new Guard(Pattern.compile("nvent\\.triggers\\.(.+)\\.secret"), Pattern.compile("NVENT_TRIGGERS_(.+)_SECRET"),
                    "it signs nothing"),
            new Guard(Pattern.compile("nvent\\.triggers\\.(.+)\\.api-key"),
                    Pattern.compile("NVENT_TRIGGERS_(.+)_API_KEY"), "no request needs that key"),
            new Guard(Pattern.compile("nvent\\.triggers\\.(.+)\\.signature-scheme"),
                    Pattern.compile("NVENT_TRIGGERS_(.+)_SIGNATURE_SCHEME"), "it changes nothing"));

    @Override
    public void contextInitialized(ServletContextEvent event) {
        try {
            List<TriggerInfo> triggers = CDI.current().select(TriggerService.class).get().triggers();
            org.eclipse.microprofile.config.Config config = ConfigProvider.getConfig();
            Iterable<String> names = config.getPropertyNames();
            report(event.getServletContext().getContextPath(), triggers,
                    StreamSupport.stream(names.spliterator(), false).toList(),
                    trigger -> WebhookProtection.of(config, trigger));
        } catch (RuntimeException | LinkageError unavailable) {
            // Triggers or configuration cannot be read now (a store that is away): the API still
            // refuses unsigned calls wherever a secret is set, this is only advice.
            LOG.log(System.Logger.Level.DEBUG, "webhook secrets not checked", unavailable);
        }
    }

    /**
     * Reports secrets, API keys and signature schemes that name no webhook trigger, webhook triggers
     * with neither a secret nor a key, signed ones whose scheme is none and ones with a short secret. A trigger's protection is
     * read the way the webhook reads it ({@code protectionOf}), so a secret or key given as an
     * environment variable ({@code NVENT_TRIGGERS_ERP_HOOK_SECRET}, {@code NVENT_TRIGGERS_ERP_HOOK_API_KEY})
     * counts. An open webhook's path starts with the context root, as {@code NVENT-0708} gives the
     * console's and the API's.
     *
     * @param contextPath the application's context root, {@code ""} for the root context
     */
    static void report(String contextPath, List<TriggerInfo> triggers, List<String> configuredNames,
                       Function<String, WebhookProtection> protectionOf) {
        List<String> webhooks = triggers.stream().filter(t -> t.spec().type() == TriggerType.WEBHOOK)
                .map(t -> t.spec().name()).sorted().toList();
        for (String configured : configuredNames) {
            for (Guard guard : GUARDS) {
                Matcher dotted = guard.dotted().matcher(configured);
                Matcher environment = guard.environment().matcher(configured);
                boolean names = dotted.matches() ? webhooks.contains(dotted.group(1))
                        : environment.matches()
                        && webhooks.stream().anyMatch(w -> environmentForm(w).equals(environment.group(1)));
                if ((dotted.matches() || environment.matches()) && !names) {
                    LOG.log(System.Logger.Level.WARNING, "NVENT-0711 {0} names no webhook trigger, so {2}; "
                            + "the webhook triggers are {1}", configured, webhooks, guard.effect());
                }
            }
        }
        for (String webhook : webhooks) {
            WebhookProtection protection = protectionOf.apply(webhook);
            if (protection.signed() && protection.scheme().isEmpty()) {
                LOG.log(System.Logger.Level.WARNING, "NVENT-0770 nvent.triggers.{0}.signature-scheme is ''{1}'', "
                        + "which is neither nvent nor github: its webhook answers every request 500 until it is "
                        + "fixed", webhook, protection.signatureScheme());
            }
            if (protection.shortSecret()) {
                // Warned, not refused as short metrics tokens are: deployments signing with a short
                // secret worked before, and their senders cannot all change at once.
                LOG.log(System.Logger.Level.WARNING, "NVENT-0793 webhook trigger {0} has a secret of fewer than {1} "
                        + "characters (nvent.triggers.{0}.secret), which is easier to guess: its signatures can be "
                        + "forged by whoever guesses it; give it a random secret of at least 32 characters", webhook,
                        String.valueOf(WebhookProtection.MIN_SECRET_LENGTH));
            }
            if (protection.open()) {
                LOG.log(System.Logger.Level.WARNING, WebhookProtection.openWarning(webhook,
                        contextPath + WebSettings.API_PATH + "/triggers/" + webhook + "/webhook"));
            }
        }
    }

    private static String environmentForm(String triggerName) {
        return triggerName.replaceAll("[^A-Za-z0-9]", "_").toUpperCase(Locale.ROOT);
    }
}
