package io.nvent.war;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.StringReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** A test client of the live stream at {@code /api/nvent/ws}, on the JDK's WebSocket client. */
public final class LiveSocket implements AutoCloseable {

    private final List<JsonObject> received = new CopyOnWriteArrayList<>();
    private final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final WebSocket socket;

    private LiveSocket(URI uri, String authorization) throws ExecutionException, InterruptedException, TimeoutException {
        WebSocket.Builder builder = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
        if (authorization != null) {
            builder.header("Authorization", authorization);
        }
        socket = builder.buildAsync(uri, new Listener()).get(20, TimeUnit.SECONDS);
    }

    /** Opens the stream of the application at {@code base}, logged in with the given header (or none). */
    public static LiveSocket open(URI base, String authorization) throws Exception {
        return new LiveSocket(URI.create(base.toString().replaceFirst("^http", "ws")).resolve("api/nvent/ws"),
                authorization);
    }

    /**
     * The HTTP status the server answers a WebSocket handshake with (101 when it upgrades), read
     * from a raw socket because the JDK client hides refused handshakes behind its own exceptions.
     */
    public static int handshakeStatus(URI base, String authorization) throws IOException {
        String path = base.resolve("api/nvent/ws").getRawPath();
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(10_000);
            String request = "GET " + path + " HTTP/1.1\r\nHost: " + base.getHost() + ":" + base.getPort()
                    + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    + (authorization == null ? "" : "Authorization: " + authorization + "\r\n") + "\r\n";
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            String statusLine = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.US_ASCII)).readLine();
            return Integer.parseInt(statusLine.split(" ")[1]);
        }
    }

    /** Sends one JSON message. */
    public void send(String json) {
        socket.sendText(json, true).join();
    }

    /** Sends one binary message, which the protocol does not have. */
    public void sendBinary(byte[] data) {
        socket.sendBinary(java.nio.ByteBuffer.wrap(data), true).join();
    }

    /** Everything received so far, in order. */
    public List<JsonObject> received() {
        return List.copyOf(received);
    }

    /** Messages of one type. */
    public List<JsonObject> ofType(String type) {
        return received.stream().filter(m -> type.equals(m.getString("type", ""))).toList();
    }

    /** Entries of a run received in history and event messages, in arrival order. */
    public List<JsonObject> entriesOf(String runId) {
        List<JsonObject> entries = new ArrayList<>();
        for (JsonObject m : received) {
            if (!runId.equals(m.getString("runId", ""))) {
                continue;
            }
            if (m.getString("type").equals("history")) {
                entries.addAll(m.getJsonArray("events").getValuesAs(JsonObject.class));
            } else if (m.getString("type").equals("event")) {
                entries.add(m.getJsonObject("event"));
            }
        }
        return entries;
    }

    /** The close code, once the server closed the connection. */
    public CompletableFuture<Integer> closed() {
        return closed;
    }

    @Override
    public void close() {
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "done");
    }

    private final class Listener implements WebSocket.Listener {

        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                received.add(Json.createReader(new StringReader(partial.toString())).readObject());
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closed.completeExceptionally(error);
        }
    }
}
