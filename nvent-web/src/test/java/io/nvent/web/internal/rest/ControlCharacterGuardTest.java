package io.nvent.web.internal.rest;

import static org.assertj.core.api.Assertions.assertThat;

import io.nvent.web.internal.rest.ControlCharacterGuard.Refusal;
import jakarta.ws.rs.core.MultivaluedHashMap;
import jakarta.ws.rs.core.MultivaluedMap;
import org.junit.jupiter.api.Test;

/**
 * An id or name with a control character is answered as one that does not exist (path) or as a bad
 * parameter (query) before the store is asked: PostgreSQL failed {@code GET /runs?flow=a%00b} and
 * {@code GET /flows/order/graph?runId=x%00} with a 500 (SQLState 22021).
 */
class ControlCharacterGuardTest {

    @Test
    void aPathIdWithANulIsNotFoundAndAQueryValueWithOneIsABadParameter() {
        assertThat(ControlCharacterGuard.refusal(params("runId", "a\u0000b"), params()))
                .hasValue(new Refusal(404, "NVENT-0784 no runId with a control character exists (ids and names have "
                        + "none)"));
        assertThat(ControlCharacterGuard.refusal(params(), params("flow", "a\u0000b")))
                .hasValue(new Refusal(400, "NVENT-0785 query parameter 'flow' holds a control character; no id, name "
                        + "or value it takes has one"));
        assertThat(ControlCharacterGuard.refusal(params("flow", "order"), params("runId", "x\u0000")))
                .map(Refusal::status).hasValue(400);
        assertThat(ControlCharacterGuard.refusal(params("name", "nightly\n"), params())).map(Refusal::status)
                .hasValue(404);
    }

    @Test
    void idsAndValuesWithoutControlCharactersPass() {
        assertThat(ControlCharacterGuard.refusal(params("flow", "order", "step", "ship-é"),
                params("status", "failed", "cron", "0 9 * * MON-FRI"))).isEmpty();
    }

    private static MultivaluedMap<String, String> params(String... nameValues) {
        MultivaluedMap<String, String> params = new MultivaluedHashMap<>();
        for (int i = 0; i < nameValues.length; i += 2) {
            params.add(nameValues[i], nameValues[i + 1]);
        }
        return params;
    }
}
