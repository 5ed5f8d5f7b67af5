package io.nvent.web.internal.live;

import java.util.function.Consumer;

/** Where a client's messages go: a WebSocket session, or a recorder in tests. */
interface Outlet {

    /** An id for logs. */
    String id();

    /**
     * Sends one text message without blocking.
     *
     * @param done called once the message is written ({@code null}) or could not be ({@code error})
     */
    void send(String text, Consumer<Throwable> done);

    /** Closes the connection with a WebSocket close code. */
    void close(int code, String reason);
}
