package io.nvent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** A start of an unknown flow names the deployed flows, so that the caller sees what it could have started. */
class FlowNotFoundExceptionTest {

    @Test
    void ofManyDeployedFlowsTheMessageNamesTheFirstTwentyAndHowManyMore() {
        List<String> deployed = IntStream.rangeClosed(1, 23).mapToObj(i -> String.format("flow-%02d", i)).toList();

        assertThat(new FlowNotFoundException("flow-99", deployed, Optional.empty()))
                .hasMessageStartingWith("NVENT-0201 no flow named 'flow-99' is registered; deployed flows: flow-01, ")
                .hasMessageEndingWith(", flow-20 and 3 more")
                .hasMessageNotContaining("flow-21");
    }

    @Test
    void withNoFlowDeployedTheMessageSaysSo() {
        assertThat(new FlowNotFoundException("expense", List.of(), Optional.empty()))
                .hasMessage("NVENT-0201 no flow named 'expense' is registered; no flow is deployed")
                .extracting(e -> ((FlowNotFoundException) e).flow()).isEqualTo("expense");
    }
}
