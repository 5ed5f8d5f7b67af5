package io.nvent.web.internal.rest;

import static org.assertj.core.api.Assertions.assertThat;

import io.nvent.NventException;
import io.nvent.spi.AdapterUnavailableException;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/** A 500 answer names its failure by id and never carries the failure's text, which the log keeps. */
class ProblemMapperTest {

    @Test
    void aStoreFailureIsAnsweredWithItsIdAndNotItsSqlOrTheCallersInput() {
        NventException storeFailure = new NventException("NVENT-0302 store operation failed (create run): "
                + "insert into nvent_run (run_id, input) values ('r-1', '{\"card\":\"4111 1111\",\"x\":1e999999999}')",
                new SQLException("ERROR: value overflows numeric format", "22003"));

        String detail = ProblemMapper.serverFailure(storeFailure);

        assertThat(detail).isEqualTo("NVENT-0302 the request failed on the server; its log has the details (NVENT-0730)")
                .doesNotContain("insert", "4111", "1e999999999", "numeric");
    }

    @Test
    void aFailureWithoutAnIdIsNamedByTheMappersOwn() {
        assertThat(ProblemMapper.serverFailure(new NventException("jdbc:postgresql://db.internal:5432 refused")))
                .isEqualTo("NVENT-0730 the request failed on the server; its log has the details (NVENT-0730)");
        assertThat(ProblemMapper.serverFailure(new NventException(null))).startsWith("NVENT-0730 ");
    }

    @Test
    void anAdapterThatCannotReachItsBackendIsNamedInThe503ButNotItsBackendsText() {
        NventException outage = new AdapterUnavailableException("jms", "broker tcp://mq.internal:61616 refused", null);

        assertThat(ProblemMapper.unavailable(outage))
                .isEqualTo("NVENT-0732 nvent's adapter 'jms' cannot reach its backend right now; try again in 5 s "
                        + "(operators: GET /api/nvent/health says what fails)")
                .doesNotContain("mq.internal", "61616");
    }

    @Test
    void anotherRetryableFailureKeepsTheGeneric503() {
        NventException storeAway = new NventException("NVENT-0325 store unavailable: db.internal:5432 refused") {
            @Override
            public boolean isRetryable() {
                return true;
            }
        };

        assertThat(ProblemMapper.unavailable(storeAway)).startsWith("nvent's store or queue cannot be reached right now")
                .doesNotContain("db.internal");
    }

    @Test
    void aFireWhosePayloadHoldsNoConcurrencyKeyIsUnprocessableWithItsMessage() {
        jakarta.ws.rs.core.Response answer = new ProblemMapper().toResponse(
                new io.nvent.ConcurrencyKeyNotInPayloadException("orders-hook", "/customerId", "null"));

        assertThat(answer.getStatus()).isEqualTo(422);
        assertThat(answer.getEntity().toString()).contains("NVENT-0267 trigger 'orders-hook'", "/customerId",
                "holds null there");
    }

    @Test
    void aViolationOfATriggersFireNamesTheFlowThatRefusedItAndOneOfANamedFlowsStartDoesNot() {
        assertThat(ProblemMapper.violations(java.util.List.of(
                new io.nvent.PayloadViolation("reason", "must not be blank", "null").ofFlow("refund"),
                new io.nvent.PayloadViolation("id", "must not be blank", "\"\"")))).hasToString(
                "[{\"path\":\"reason\",\"message\":\"must not be blank\",\"invalidValue\":null,\"flow\":\"refund\"},"
                        + "{\"path\":\"id\",\"message\":\"must not be blank\",\"invalidValue\":\"\"}]");
    }

    @Test
    void aStartWhoseAwaitTheStoreRefusesAsTooLargeIs413AndOneTheStoreWasAwayForIs503() {
        jakarta.ws.rs.core.Response tooLarge = new ProblemMapper().toResponse(new io.nvent.RunNotStartedException(
                "r-1", "reminder", "send", false, new io.nvent.InvalidPayloadException("NVENT-0204 await too large")));
        jakarta.ws.rs.core.Response away = new ProblemMapper().toResponse(new io.nvent.RunNotStartedException(
                "r-2", "reminder", "send", true, new AdapterUnavailableException("jpa", "db.internal refused", null)));

        assertThat(tooLarge.getStatus()).isEqualTo(413);
        assertThat(tooLarge.getEntity().toString()).contains("NVENT-0257 run 'r-1' of flow 'reminder'");
        assertThat(away.getStatus()).isEqualTo(503);
        assertThat(away.getHeaderString("Retry-After")).isNotNull();
        assertThat(away.getEntity().toString()).doesNotContain("db.internal");
    }
}
