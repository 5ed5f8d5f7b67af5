package io.nvent.web.internal;

import io.nvent.TriggerInfo;
import io.nvent.TriggerService;
import io.nvent.TriggerType;
import jakarta.enterprise.inject.spi.CDI;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.StreamSupport;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Says at start which webhook triggers take unsigned requests. A secret under a misspelt trigger
 * name ({@code nvent.triggers.erp-hok.secret}) is a setting like any other to the check for unknown
 * keys, since trigger names are the user's; it leaves the real trigger open to anyone, and nothing
 * else would tell.
 */
public final class WebhookSecretsCheck implements ServletContextListener {

    private static final System.Logger LOG = System.getLogger(WebhookSecretsCheck.class.getName());
    private static final Pattern SECRET_KEY = Pattern.compile("nvent\\.triggers\\.(.+)\\.secret");
    private static final Pattern SECRET_VARIABLE = Pattern.compile("NVENT_TRIGGERS_(.+)_SECRET");

    @Override
    public void contextInitialized(ServletContextEvent event) {
        try {
            List<TriggerInfo> triggers = CDI.current().select(TriggerService.class).get().triggers();
            org.eclipse.microprofile.config.Config config = ConfigProvider.getConfig();
            Iterable<String> names = config.getPropertyNames();
            report(triggers, StreamSupport.stream(names.spliterator(), false).toList(),
                    trigger -> config.getOptionalValue("nvent.triggers." + trigger + ".secret", String.class)
                            .isPresent());
        } catch (RuntimeException | LinkageError unavailable) {
            // Triggers or configuration cannot be read now (a store that is away): the API still
            // refuses unsigned calls wherever a secret is set, this is only advice.
            LOG.log(System.Logger.Level.DEBUG, "webhook secrets not checked", unavailable);
        }
    }

    /**
     * Reports secrets that name no webhook trigger and webhook triggers without one. Whether a
     * trigger has a secret is asked the way the webhook asks ({@code hasSecret}), so one given as an
     * environment variable ({@code NVENT_TRIGGERS_ERP_HOOK_SECRET}) counts.
     */
    static void report(List<TriggerInfo> triggers, List<String> configuredNames, Predicate<String> hasSecret) {
        List<String> webhooks = triggers.stream().filter(t -> t.spec().type() == TriggerType.WEBHOOK)
                .map(t -> t.spec().name()).sorted().toList();
        for (String configured : configuredNames) {
            Matcher dotted = SECRET_KEY.matcher(configured);
            Matcher environment = SECRET_VARIABLE.matcher(configured);
            boolean names = dotted.matches() ? webhooks.contains(dotted.group(1))
                    : environment.matches() && webhooks.stream().anyMatch(w -> environmentForm(w).equals(environment.group(1)));
            if ((dotted.matches() || environment.matches()) && !names) {
                LOG.log(System.Logger.Level.WARNING, "NVENT-0711 {0} names no webhook trigger, so it signs nothing; "
                        + "the webhook triggers are {1}", configured, webhooks);
            }
        }
        for (String webhook : webhooks) {
            if (!hasSecret.test(webhook)) {
                LOG.log(System.Logger.Level.WARNING, "NVENT-0712 webhook trigger {0} takes unsigned requests: "
                        + "anyone who reaches /api/nvent/triggers/{0}/webhook starts its flows; set "
                        + "nvent.triggers.{0}.secret to require a signature", webhook);
            }
        }
    }

    private static String environmentForm(String triggerName) {
        return triggerName.replaceAll("[^A-Za-z0-9]", "_").toUpperCase(java.util.Locale.ROOT);
    }
}
