package io.nvent.web.internal.live;

import jakarta.enterprise.inject.spi.CDI;
import jakarta.websocket.CloseReason;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.Session;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.function.Consumer;

/**
 * The programmatic WebSocket endpoint at {@code /api/nvent/ws}. It holds no state of its own: the
 * {@link LiveHub} (looked up, not injected) owns the clients.
 */
public final class LiveEndpoint extends Endpoint {

    private static final System.Logger LOG = System.getLogger(LiveEndpoint.class.getName());

    /** The largest message a client may send. */
    static final int MAX_CLIENT_MESSAGE_CHARS = 64 * 1024;

    private LiveHub hub;

    @Override
    public void onOpen(Session session, EndpointConfig config) {
        hub = CDI.current().select(LiveHub.class).get();
        session.setMaxIdleTimeout(0);
        // Client messages are small requests; a larger one closes the connection with 1009 (too big).
        session.setMaxTextMessageBufferSize(MAX_CLIENT_MESSAGE_CHARS);
        session.getAsyncRemote().setSendTimeout(hub.sendTimeout().toMillis());
        LiveClient client = hub.open(new SessionOutlet(session));
        session.addMessageHandler(String.class, (MessageHandler.Whole<String>) text -> {
            // Not every container enforces the buffer size (Undertow hands the message over whole).
            if (text.length() > MAX_CLIENT_MESSAGE_CHARS) {
                closeTooBig(session, text.length());
            } else {
                client.receive(text);
            }
        });
        // The protocol is JSON text: a binary message is refused as a data type the endpoint cannot accept.
        session.setMaxBinaryMessageBufferSize(1024);
        session.addMessageHandler(ByteBuffer.class, (MessageHandler.Whole<ByteBuffer>) binary ->
                close(session, CloseReason.CloseCodes.CANNOT_ACCEPT, "binary messages are not understood;"
                        + " send JSON text"));
    }

    private static void closeTooBig(Session session, int length) {
        close(session, CloseReason.CloseCodes.TOO_BIG, "a message of " + length + " characters; at most "
                + MAX_CLIENT_MESSAGE_CHARS);
    }

    private static void close(Session session, CloseReason.CloseCode code, String why) {
        try {
            session.close(new CloseReason(code, why));
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "live client {0} already gone: {1}", session.getId(), e.toString());
        }
    }

    @Override
    public void onClose(Session session, CloseReason reason) {
        if (hub != null) {
            hub.closed(session.getId());
        }
    }

    @Override
    public void onError(Session session, Throwable error) {
        LOG.log(System.Logger.Level.DEBUG, "live client {0}: {1}", session.getId(), error.toString());
    }

    /** A WebSocket session as an {@link Outlet}: asynchronous sends with a timeout. */
    private record SessionOutlet(Session session) implements Outlet {

        @Override
        public String id() {
            return session.getId();
        }

        @Override
        public void send(String text, Consumer<Throwable> done) {
            if (!session.isOpen()) {
                done.accept(new IOException("session closed"));
                return;
            }
            try {
                session.getAsyncRemote().sendText(text, result -> done.accept(result.isOK() ? null
                        : result.getException()));
            } catch (RuntimeException e) {
                done.accept(e);
            }
        }

        @Override
        public void close(int code, String reason) {
            try {
                if (session.isOpen()) {
                    session.close(new CloseReason(CloseReason.CloseCodes.getCloseCode(code), reason));
                }
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "closing live client {0}: {1}", session.getId(), e.toString());
            }
        }
    }
}
