package io.nvent.web.internal;

import io.nvent.TriggerInfo;
import io.nvent.TriggerService;
import io.nvent.TriggerType;
import jakarta.enterprise.inject.spi.CDI;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import java.util.List;
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

    @Override
    public void contextInitialized(ServletContextEvent event) {
        try {
            List<TriggerInfo> triggers = CDI.current().select(TriggerService.class).get().triggers();
            Iterable<String> names = ConfigProvider.getConfig().getPropertyNames();
            report(triggers, StreamSupport.stream(names.spliterator(), false).toList());
        } catch (RuntimeException | LinkageError unavailable) {
            // Triggers or configuration cannot be read now (a store that is away): the API still
            // refuses unsigned calls wherever a secret is set, this is only advice.
            LOG.log(System.Logger.Level.DEBUG, "webhook secrets not checked", unavailable);
        }
    }

    static void report(List<TriggerInfo> triggers, List<String> configuredNames) {
        List<String> webhooks = triggers.stream().filter(t -> t.spec().type() == TriggerType.WEBHOOK)
                .map(t -> t.spec().name()).sorted().toList();
        List<String> secretsFor = configuredNames.stream().map(SECRET_KEY::matcher).filter(Matcher::matches)
                .map(m -> m.group(1)).sorted().toList();
        for (String named : secretsFor) {
            if (!webhooks.contains(named)) {
                LOG.log(System.Logger.Level.WARNING, "NVENT-0711 nvent.triggers.{0}.secret names no webhook trigger, "
                        + "so it signs nothing; the webhook triggers are {1}", named, webhooks);
            }
        }
        for (String webhook : webhooks) {
            if (!secretsFor.contains(webhook)) {
                LOG.log(System.Logger.Level.WARNING, "NVENT-0712 webhook trigger {0} takes unsigned requests: "
                        + "anyone who reaches /api/nvent/triggers/{0}/webhook starts its flows; set "
                        + "nvent.triggers.{0}.secret to require a signature", webhook);
            }
        }
    }
}
