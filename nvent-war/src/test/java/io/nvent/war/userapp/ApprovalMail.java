package io.nvent.war.userapp;

import io.nvent.AwaitRegistered;
import io.nvent.FlowService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.Map;

/**
 * Where a user would mail the approval link, this one hands it on as the input of a run of its own
 * flow, so a test reads it through the REST API.
 */
@ApplicationScoped
public class ApprovalMail {

    @Inject
    FlowService flows;

    void send(@Observes AwaitRegistered await) {
        await.webhookUrl().ifPresent(url -> flows.start("welcome", Map.of("customer", url)));
    }
}
