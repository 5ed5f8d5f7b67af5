package io.nvent;

import java.util.Optional;

/**
 * CDI event fired when a run starts waiting. Observe it to hand a webhook URL to a person:
 *
 * <pre>{@code
 * void sendApprovalMail(@Observes AwaitRegistered await) {
 *     await.webhookUrl().ifPresent(url -> mail.send("Approve: " + url));
 * }
 * }</pre>
 *
 * @param await the await
 * @param webhookUrl for webhook awaits: the URL that resolves it (POST, JSON body), served by the web
 *     layer ({@code nvent-web}) at {@code nvent.webhooks.base-url} or, unset, at this server's address and
 *     the application's context root; with only the engine deployed, resolve it by its
 *     {@link #webhookToken()} instead
 * @since 0.1
 */
public record AwaitRegistered(AwaitInfo await, Optional<String> webhookUrl) {

    /**
     * The secret token of a webhook await, the last segment of its URL: what
     * {@link FlowService#resolveWebhook(String, String)} takes. An application that serves no REST
     * API of nvent (only the engine, {@code nvent-cdi}) resolves its webhook awaits with it, as the
     * URL then leads nowhere unless {@code nvent.webhooks.base-url} points at an endpoint of its own.
     *
     * @return the token; empty for other awaits
     * @since 0.2
     */
    public Optional<String> webhookToken() {
        return webhookUrl.map(url -> url.substring(url.lastIndexOf('/') + 1));
    }
}
