package io.nvent.war.userapp;

import io.nvent.FlowService;
import jakarta.annotation.PostConstruct;
import jakarta.ejb.Singleton;
import jakarta.ejb.Startup;
import jakarta.inject.Inject;
import java.util.Map;

/** The user's EJB: injects FlowService and starts a run when the application starts. */
@Singleton
@Startup
public class SignupService {

    @Inject
    FlowService flows;

    @PostConstruct
    void signUpFirstCustomer() {
        flows.start("welcome", Map.of("customer", "Ada"));
    }
}
