package io.nvent.web.internal.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nvent.AwaitInfo;
import io.nvent.AwaitNotFoundException;
import io.nvent.AwaitPosition;
import io.nvent.AwaitStatus;
import io.nvent.AwaitType;
import io.nvent.FlowService;
import jakarta.ws.rs.core.HttpHeaders;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The token of an await's webhook URL is its caller's credential: a caller without it learns that no await has
 * it, never what the webhook parses (a Content-Type or a body it refuses).
 */
class AwaitWebhookTest {

    private final List<String> resolved = new ArrayList<>();

    @Test
    void aCallWithAnUnknownTokenIsAnUnknownAwaitWhateverItsContentTypeAndBody() {
        AwaitsResource awaits = new AwaitsResource();
        awaits.flows = engineWithAwaitOf("t0ken", resolved);

        assertThatThrownBy(() -> awaits.webhook("guessed", headers(HeaderGuard.SET_ASIDE_CONTENT_TYPE, "garbage"),
                bytes("{\"approved\" true}"))).isInstanceOf(AwaitNotFoundException.class)
                .hasMessage("NVENT-0206 no await for this webhook URL");
        assertThatThrownBy(() -> awaits.webhook("guessed", headers(), bytes("{\"approved\" true}")))
                .isInstanceOf(AwaitNotFoundException.class);
        assertThat(resolved).isEmpty();
    }

    @Test
    void aCallWithTheTokenIsRefusedForAContentTypeThatIsNoMediaTypeAndResolvesNothing() {
        AwaitsResource awaits = new AwaitsResource();
        awaits.flows = engineWithAwaitOf("t0ken", resolved);

        assertThatThrownBy(() -> awaits.webhook("t0ken", headers(HeaderGuard.SET_ASIDE_CONTENT_TYPE, "garbage"),
                bytes("{}"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("NVENT-0772 the Content-Type header 'garbage' is not a media type");
        assertThat(resolved).isEmpty();

        assertThat(awaits.webhook("t0ken", headers(), bytes("{\"approved\":true}"))).contains("\"resolved\":true");
        assertThat(resolved).containsExactly("{\"approved\":true}");
    }

    /** An engine with one webhook await, whose URL carries {@code token}. */
    static FlowService engineWithAwaitOf(String token) {
        return engineWithAwaitOf(token, new ArrayList<>());
    }

    /** An engine with one webhook await, whose URL carries {@code token}; it notes in {@code resolutions} what it resolves. */
    private static FlowService engineWithAwaitOf(String token, List<String> resolutions) {
        AwaitInfo await = new AwaitInfo("await-1", "run-1", "expense", "approve", AwaitPosition.BEFORE,
                AwaitType.WEBHOOK, AwaitStatus.WAITING, Instant.parse("2026-12-02T10:00:00Z"), Optional.empty(),
                Optional.empty());
        return (FlowService) Proxy.newProxyInstance(AwaitWebhookTest.class.getClassLoader(),
                new Class<?>[] {FlowService.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "actingAs" -> proxy;   // the operator's record is the engine's, tested there
                    case "webhookAwait" -> Optional.of(await).filter(a -> token.equals(args[0]));
                    case "resolveWebhook" -> {
                        resolutions.add((String) args[1]);
                        yield null;
                    }
                    default -> throw new AssertionError("the engine was asked: " + method.getName());
                });
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static HttpHeaders headers(String... nameValues) {
        return TriggersResourceTest.headers(nameValues);
    }
}
