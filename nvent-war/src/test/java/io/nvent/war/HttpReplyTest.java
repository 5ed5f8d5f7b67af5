package io.nvent.war;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.URL;
import java.net.http.HttpHeaders;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The container tests' client, where it decides what a failure says. */
class HttpReplyTest {

    @Test
    void aReplyThatIsNotJsonSaysWhatTheServerAnsweredInsteadOfWhereTheParserStopped() {
        // A loaded CI run once got a page of HTML where the API answers JSON, and said only "Unexpected char 60".
        Http.Reply page = new Http.Reply(500, "text/html", "<!DOCTYPE html><title>Internal Server Error</title>",
                Optional.empty(), HttpHeaders.of(Map.of("Server", List.of("Payara Micro")), (name, value) -> true));

        assertThatThrownBy(page::array).isInstanceOf(AssertionError.class)
                .hasMessageContainingAll("500 text/html", "Payara Micro", "<title>Internal Server Error</title>");
        assertThatThrownBy(page::json).hasMessageContaining("the reply is not JSON: 500");
    }

    @Test
    void aServerThatRefusesConnectionsIsReportedWithThePortsItsLogSaysItsListenerWasBoundTo(@TempDir Path logs)
            throws Exception {
        // As PostgresRestartIT's refused call once: a post-boot command restarted the listener on the next port,
        // the server still announced the first one, and the tail of its log was the REST endpoints it listed.
        Files.writeString(logs.resolve("server.log.0"), "[INFO] Network Listener http-listener started in: 9ms"
                + " - bound to [/0.0.0.0:8519]\n[INFO] Network Listener http-listener started in: 0ms - bound to"
                + " [/0.0.0.0:8520]\n" + IntStream.rangeClosed(1, 50).mapToObj(i -> "GET\t/endpoint/" + i + "\n")
                .collect(Collectors.joining()) + "[INFO] \"Http Port(s)\": \"8519\"\n");

        String said = ServerState.describe(Optional.of(logs.resolve("server.log")));

        assertThat(said).contains("bound to [/0.0.0.0:8519]", "bound to [/0.0.0.0:8520]", "GET\t/endpoint/50");
    }

    @Test
    void aServerThatRefusesConnectionsIsReportedWithWhetherItsProcessIsAliveAndTheEndOfItsLog(@TempDir Path logs)
            throws Exception {
        // A CI run once failed with a bare ConnectException on the first call after a deploy, and left no server log.
        Path older = Files.writeString(logs.resolve("server.log.0"), "an earlier server's last line\n");
        Files.setLastModifiedTime(older, FileTime.fromMillis(0));
        Files.writeString(logs.resolve("server.log.0.1"), IntStream.rangeClosed(1, 50)
                .mapToObj(i -> "[\u001B[1;92mINFO\u001B[0m] line " + i + "\n\n").collect(Collectors.joining()));
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        String before = System.setProperty(ServerState.LOG_PROPERTY, logs.resolve("server.log").toString());
        try {
            Http http = new Http(new URL("http://127.0.0.1:" + closedPort + "/demo/"));

            Throwable refused = catchThrowable(() -> http.get("api/nvent/flows"));

            assertThat(refused).isInstanceOf(UncheckedIOException.class).hasCauseInstanceOf(ConnectException.class)
                    .hasMessageContainingAll(":" + closedPort + "/demo/ refuses connections",
                            "no Payara Micro process of this test JVM is alive",
                            "server.log.0.1:\n[INFO] line 11\n", "[INFO] line 50");
            assertThat(refused.getMessage()).doesNotContain("line 10\n", "an earlier server's", "\u001B");
        } finally {
            if (before == null) {
                System.clearProperty(ServerState.LOG_PROPERTY);
            } else {
                System.setProperty(ServerState.LOG_PROPERTY, before);
            }
        }
    }
}
