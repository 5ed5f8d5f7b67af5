package io.nvent.war;

import static org.awaitility.Awaitility.await;

import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonException;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonStructure;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;

/** A small JSON-over-HTTP client for the container tests, logged in as the demo admin by default. */
public final class Http {

    /** The documented default login of the console and API. */
    public static final String ADMIN = "admin";
    public static final String ADMIN_PASSWORD = "admin";

    /** HTTP/1.1 as most API clients speak it; the JDK's default offers an h2c upgrade that servers may take. */
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private final URI base;
    private final Optional<String> authorization;

    /** A client logged in as the default admin. */
    public Http(URL base) {
        this(base, Optional.of(basic(ADMIN, ADMIN_PASSWORD)));
    }

    private Http(URL base, Optional<String> authorization) {
        this.base = loopback(URI.create(base.toExternalForm()));
        this.authorization = authorization;
    }

    /**
     * The same server on the loopback address: Payara Micro listens on every interface but reports
     * the machine's external address, and tests talk only to this machine.
     */
    static URI loopback(URI uri) {
        return URI.create(uri.getScheme() + "://127.0.0.1:" + uri.getPort() + uri.getRawPath());
    }

    /** A client sending no credentials. */
    public static Http anonymous(URL base) {
        return new Http(base, Optional.empty());
    }

    /** A client logged in as the given user. */
    public static Http as(URL base, String user, String password) {
        return new Http(base, Optional.of(basic(user, password)));
    }

    /** The value of an HTTP Basic {@code Authorization} header. */
    public static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** The base URI. */
    public URI base() {
        return base;
    }

    /** A response with its body parsed on demand. */
    public record Reply(int status, String contentType, String body, Optional<String> location,
                        HttpHeaders headers) {

        public JsonObject json() {
            return (JsonObject) parse();
        }

        public JsonArray array() {
            return (JsonArray) parse();
        }

        /**
         * The body as JSON; a body that is none (a server's HTML error page) fails naming the status,
         * type and body, so that a rare failure on a loaded CI machine says who answered what.
         */
        private JsonStructure parse() {
            try (JsonReader reader = Json.createReader(new StringReader(body))) {
                return reader.read();
            } catch (JsonException notJson) {
                throw new AssertionError("the reply is not JSON: " + status + " " + contentType + ", headers "
                        + headers.map() + ", body: " + (body.length() > 2000 ? body.substring(0, 2000) + "…" : body),
                        notJson);
            }
        }
    }

    /** The run as the API shows it, once its status is {@code status} (within 30 s). */
    public JsonObject awaitRun(String runId, String status) {
        AtomicReference<String> seen = new AtomicReference<>("nothing");
        try {
            // Each poll gives up after a few seconds and the next one asks again: one slow answer
            // must not use up the whole wait.
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .ignoreExceptionsInstanceOf(UncheckedIOException.class)
                    .until(() -> {
                        Reply reply = send(HttpRequest.newBuilder(base.resolve("api/nvent/runs/" + runId)).GET(),
                                Duration.ofSeconds(5));
                        seen.set(Instant.now() + " " + reply.status() + " " + reply.body());
                        return reply.status() == 200 && reply.json().getString("status").equals(status);
                    });
        } catch (org.awaitility.core.ConditionTimeoutException timedOut) {
            // A run that never gets there is diagnosed from what the server says about it, not from the timeout alone.
            throw new AssertionError("run " + runId + " did not become " + status + " within 30 s; last seen at "
                    + seen.get() + "; now: " + get("api/nvent/runs/" + runId).body() + "; its history: "
                    + get("api/nvent/runs/" + runId + "/events").body(), timedOut);
        }
        return get("api/nvent/runs/" + runId).json();
    }

    public Reply get(String path) {
        return send(HttpRequest.newBuilder(base.resolve(path)).GET());
    }

    /** A request with extra headers, e.g. as a proxy forwards it. */
    public Reply get(String path, String... headers) {
        return send(HttpRequest.newBuilder(base.resolve(path)).headers(headers).GET());
    }

    public Reply post(String path, String body) {
        return send(HttpRequest.newBuilder(base.resolve(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    public Reply put(String path, String body) {
        return send(HttpRequest.newBuilder(base.resolve(path))
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body)));
    }

    /** A POST of these very bytes as JSON. */
    public Reply postBytes(String path, byte[] body) {
        return send(HttpRequest.newBuilder(base.resolve(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    /** A POST whose body is sent in chunks, without a {@code Content-Length}. */
    public Reply postChunked(String path, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return send(HttpRequest.newBuilder(base.resolve(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(bytes))));
    }

    /**
     * A POST that declares a body of {@code declaredLength} bytes but sends none, over a plain
     * socket: the server can only answer at once if it refuses on the declared length alone.
     */
    public Reply postDeclaringLength(String path, long declaredLength) {
        Reply reply = postDeclaringLengthOnce(path, declaredLength);
        return isPayaraRecycledRequest(reply) ? postDeclaringLengthOnce(path, declaredLength) : reply;
    }

    private Reply postDeclaringLengthOnce(String path, long declaredLength) {
        URI uri = base.resolve(path);
        try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
            socket.setSoTimeout(30_000);
            String head = "POST " + uri.getRawPath() + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + declaredLength
                    + authorization.map(value -> "\r\nAuthorization: " + value).orElse("") + "\r\n\r\n";
            socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            return parse(socket.getInputStream());
        } catch (IOException e) {
            throw failed(e);
        }
    }

    /**
     * A GET of {@code rawPath} exactly as given, over a plain socket: {@link java.net.URI} refuses to
     * build some of the paths a client may still send (an invalid %-escape).
     */
    public Reply getRaw(String rawPath) {
        URI uri = base.resolve("/");
        try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
            socket.setSoTimeout(30_000);
            String head = "GET " + base.getRawPath() + rawPath + " HTTP/1.1\r\nHost: " + uri.getHost() + ":"
                    + uri.getPort() + authorization.map(value -> "\r\nAuthorization: " + value).orElse("")
                    + "\r\nConnection: close\r\n\r\n";
            socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            return parse(socket.getInputStream());
        } catch (IOException e) {
            throw failed(e);
        }
    }

    /**
     * An I/O failure as the test reports it. A refused connection also says whether the server process is alive and
     * how its log ends ({@link ServerState}): a CI run leaves neither behind, and a first call right after a deploy
     * was refused once with nothing more to go on.
     */
    private UncheckedIOException failed(IOException e) {
        if (!(e instanceof ConnectException)) {
            return new UncheckedIOException(e);
        }
        ConnectException refused = new ConnectException(base + " refuses connections; " + ServerState.describe());
        refused.initCause(e);
        return new UncheckedIOException(refused);
    }

    /** One HTTP/1.1 response, read up to the end of its body. */
    private static Reply parse(InputStream in) throws IOException {
        String statusLine = line(in);
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (String header = line(in); !header.isEmpty(); header = line(in)) {
            int colon = header.indexOf(':');
            headers.computeIfAbsent(header.substring(0, colon).trim(), k -> new ArrayList<>())
                    .add(header.substring(colon + 1).trim());
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (headers.getOrDefault("Transfer-Encoding", List.of()).contains("chunked")) {
            for (int size = Integer.parseInt(line(in).split(";")[0].trim(), 16); size > 0;
                 size = Integer.parseInt(line(in).split(";")[0].trim(), 16)) {
                body.write(in.readNBytes(size));
                line(in);
            }
        } else {
            body.write(in.readNBytes(Integer.parseInt(headers.getOrDefault("Content-Length", List.of("0")).get(0))));
        }
        HttpHeaders all = HttpHeaders.of(headers, (name, value) -> true);
        return new Reply(Integer.parseInt(statusLine.split(" ")[1]), all.firstValue("Content-Type").orElse(""),
                body.toString(StandardCharsets.UTF_8), all.firstValue("Location"), all);
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c = in.read(); c != -1 && c != '\n'; c = in.read()) {
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }

    /**
     * The signature of a request to the demo's signed webhook trigger (secret {@code demo-secret}):
     * HMAC-SHA256 of {@code message} as lower-case hex.
     */
    static String demoSignature(String message) throws Exception {
        return signature("demo-secret", message);
    }

    /** HMAC-SHA256 of {@code message} with {@code secret}, as lower-case hex. */
    static String signature(String secret, String message) throws Exception {
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new javax.crypto.spec.SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return java.util.HexFormat.of().formatHex(mac.doFinal(message.getBytes(StandardCharsets.UTF_8)));
    }

    public Reply delete(String path) {
        return send(HttpRequest.newBuilder(base.resolve(path)).DELETE());
    }

    /** A request with extra headers, e.g. to play a browser on another site. */
    public Reply post(String path, String body, String... headers) {
        return send(HttpRequest.newBuilder(base.resolve(path)).headers(headers)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    /** A request sent as {@code contentType}, which may be no media type at all, with extra headers. */
    public Reply postAs(String path, String contentType, String body, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        return send(headers.length == 0 ? request : request.headers(headers));
    }

    private Reply send(HttpRequest.Builder request) {
        return send(request, Duration.ofSeconds(30));
    }

    private Reply send(HttpRequest.Builder request, Duration timeout) {
        try {
            authorization.ifPresent(value -> request.header("Authorization", value));
            HttpRequest built = request.timeout(timeout).build();
            Reply reply = send(built);
            if (built.method().equals("GET") && isPayaraRecycledRequest(reply)) {
                return send(built);
            }
            return reply;
        } catch (IOException e) {
            throw failed(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private Reply send(HttpRequest request) throws IOException, InterruptedException {
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
        return new Reply(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""),
                response.body(), response.headers().firstValue("Location"), response.headers());
    }

    /**
     * Whether Payara Micro answered with its own 500 page because its Jakarta Security bridge found
     * the request already recycled after the application had answered it ({@code getServletContext()}
     * null in {@code secureResponse}): seen twice in some forty CI runs, never reproduced on its own
     * (README, "Known issues"). Only requests that change nothing (a GET, one refused unread) are sent
     * again, once, and the second answer is the one checked; it is written to the test output.
     */
    private static boolean isPayaraRecycledRequest(Reply reply) {
        boolean recycled = reply.status() == 500 && reply.body().contains("Payara Micro - Error report")
                && reply.body().contains("getServletContext")
                && reply.body().contains("is null");
        if (recycled) {
            System.err.println("Payara Micro answered a recycled request with its 500 page; sending it once more: "
                    + reply.body().replaceAll("<[^>]+>", " "));
        }
        return recycled;
    }
}
