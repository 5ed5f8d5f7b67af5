package io.nvent.web.internal;

import jakarta.servlet.FilterChain;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** No browser or proxy keeps what the API answers, nor guesses its type. */
class ApiResponseHeadersTest {

    private final Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);

    private void call(String path, FilterChain chain) throws Exception {
        new ApiResponseHeaders((request, response, next) -> next.doFilter(request, response))
                .doFilter(request(path), response(), chain);
    }

    @Test
    void everyAnswerOfTheApiIsNotStoredNorSniffed() throws Exception {
        call("/api/nvent/runs/r-1", (request, response) -> ((HttpServletResponse) response).setStatus(401));

        assertThat(headers).containsEntry("Cache-Control", List.of("no-store"))
                .containsEntry("X-Content-Type-Options", List.of("nosniff"));
    }

    @Test
    void aResourceThatSetsTheHeaderItselfReplacesItInsteadOfAddingASecond() throws Exception {
        call("/api/nvent/health/live", (request, response) ->
                ((HttpServletResponse) response).addHeader("Cache-Control", "no-store, no-transform"));

        assertThat(headers).containsEntry("Cache-Control", List.of("no-store, no-transform"));
    }

    @Test
    void theWebSocketHandshakeAndTheConsoleAreLeftAlone() throws Exception {
        call(WebSettings.WS_PATH, (request, response) -> { });
        call("/_nvent/app.css", (request, response) -> { });

        assertThat(headers).isEmpty();
    }

    @Test
    void theGuardedFilterAnswersWithTheHeadersAlreadySet() throws Exception {
        new ApiResponseHeaders((request, response, next) -> ((HttpServletResponse) response).setStatus(401))
                .doFilter(request("/api/nvent/flows"), response(), (request, response) -> { });

        assertThat(headers).containsEntry("Cache-Control", List.of("no-store"));
    }

    private static HttpServletRequest request(String path) {
        return (HttpServletRequest) Proxy.newProxyInstance(ApiResponseHeadersTest.class.getClassLoader(),
                new Class<?>[] {HttpServletRequest.class}, (p, m, args) -> switch (m.getName()) {
                    case "getRequestURI" -> "/shop" + path;
                    case "getContextPath" -> "/shop";
                    default -> null;
                });
    }

    private HttpServletResponse response() {
        return (HttpServletResponse) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {HttpServletResponse.class}, (p, m, args) -> {
                    switch (m.getName()) {
                        case "setHeader" -> headers.put((String) args[0], new ArrayList<>(List.of((String) args[1])));
                        case "addHeader" -> headers.computeIfAbsent((String) args[0], h -> new ArrayList<>())
                                .add((String) args[1]);
                        default -> {
                        }
                    }
                    return null;
                });
    }
}
