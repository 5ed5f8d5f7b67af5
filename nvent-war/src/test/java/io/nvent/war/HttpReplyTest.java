package io.nvent.war;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.http.HttpHeaders;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

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
}
