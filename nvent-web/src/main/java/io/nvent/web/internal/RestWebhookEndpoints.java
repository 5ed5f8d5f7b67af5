package io.nvent.web.internal;

import io.nvent.cdi.WebhookEndpoints;
import jakarta.enterprise.context.Dependent;

/**
 * Tells the engine that this application serves the webhook endpoints (the REST API's
 * {@code /api/nvent/awaits/{token}} and {@code /api/nvent/triggers/{name}/webhook}), so that it does
 * not warn that their URLs lead nowhere (see {@link WebhookEndpoints}).
 */
@Dependent
public class RestWebhookEndpoints implements WebhookEndpoints {
}
