package io.nvent;

import java.time.Instant;
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
 * @param webhookUrl for webhook awaits: the URL that resolves it (POST, JSON body)
 * @since 0.1
 */
public record AwaitRegistered(AwaitInfo await, Optional<String> webhookUrl) {
}
