package io.nvent.cdi;

/**
 * A bean of this type tells the engine that the application serves the endpoints webhooks lead to:
 * {@code /api/nvent/awaits/{token}}, where a webhook-await URL ({@link io.nvent.AwaitRegistered#webhookUrl()})
 * points, and {@code /api/nvent/triggers/{name}/webhook}. The web layer ({@code nvent-web}) provides
 * one. Without one, and without {@code nvent.webhooks.base-url}, a start whose flows declare webhook
 * awaits or webhook triggers says once ({@code NVENT-0192}) that their URLs lead nowhere: such an
 * application resolves them through {@link io.nvent.FlowService#resolveWebhook(String, String)} and
 * {@link io.nvent.TriggerService#fire(String, String)}.
 *
 * @since 0.2
 */
public interface WebhookEndpoints {
}
