package io.nvent.demo;

import jakarta.json.bind.annotation.JsonbProperty;
import jakarta.json.bind.annotation.JsonbTransient;
import java.time.Instant;

/**
 * An approval the demo "sent", as {@code GET /api/demo/approvals} lists it, bound by JSON-B like an
 * application's own types: {@code url} and no {@code sentAt}. A WAR whose libraries bring Jackson
 * could make a server serialise it with Jackson instead (WildFly does, unless told otherwise), which
 * would show as {@code webhookUrl} and {@code sentAt}.
 */
public record ApprovalRequest(String runId, String flow, String step, @JsonbProperty("url") String webhookUrl,
                              @JsonbTransient Instant sentAt) {
}
