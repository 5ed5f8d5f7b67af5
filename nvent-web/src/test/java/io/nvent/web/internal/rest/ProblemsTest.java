package io.nvent.web.internal.rest;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.ws.rs.core.Response;
import org.junit.jupiter.api.Test;

class ProblemsTest {

    @Test
    void aStatusJaxRsKnowsKeepsItsOwnReasonPhrase() {
        assertThat(Problems.statusType(409)).isEqualTo(Response.Status.CONFLICT);
    }

    @Test
    void unprocessableContentGetsItsReasonPhraseInsteadOfTheContainersPlaceholder() {
        Response.StatusType status = Problems.statusType(422);

        assertThat(status.getStatusCode()).isEqualTo(422);
        assertThat(status.getReasonPhrase()).isEqualTo("Unprocessable Content");
        assertThat(status.getFamily()).isEqualTo(Response.Status.Family.CLIENT_ERROR);
    }
}
