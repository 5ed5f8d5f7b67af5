package io.nvent.demo;

import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;
import java.util.Set;

/** The demo's own small API, next to nvent's. */
@ApplicationPath("api/demo")
public class DemoApplication extends Application {

    @Override
    public Set<Class<?>> getClasses() {
        return Set.of(ApprovalsResource.class);
    }
}
