package io.nvent.demo;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.annotation.WebListener;
import jakarta.servlet.http.HttpServletResponse;
import java.util.EnumSet;

/**
 * Puts the demo's own API ({@code /api/demo/*}, the approval URLs) behind nvent's login, the filter that guards
 * nvent's API: the same identity stores ({@code nvent.security.identity-store}), the same role, and the same
 * lock-out after failed logins. The list used to check the built-in user's password itself: a password oracle
 * without the lock-out, that took {@code admin}/{@code admin} even with {@code identity-store=application}.
 */
@WebListener
public class DemoApiGuard implements ServletContextListener {

    /** The name under which nvent's web layer registers its security filter. */
    static final String NVENT_SECURITY_FILTER = "nvent-security";

    /** The demo's API, as {@link DemoApplication} places it. */
    static final String DEMO_API = "/api/demo/*";

    @Override
    public void contextInitialized(ServletContextEvent event) {
        FilterRegistration security = event.getServletContext().getFilterRegistration(NVENT_SECURITY_FILTER);
        if (security == null) {
            // Fail closed: without nvent's filter the approval URLs would be one unguarded request away.
            throw new IllegalStateException("nvent's security filter '" + NVENT_SECURITY_FILTER + "' is not registered:"
                    + " the demo's API " + DEMO_API + " would be unguarded");
        }
        security.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), true, DEMO_API);
        // Before the login: its refusals are kept by no browser or proxy either, as the list itself is not.
        FilterRegistration.Dynamic noStore = event.getServletContext().addFilter("demo-no-store",
                (Filter) (request, response, chain) -> {
                    ((HttpServletResponse) response).setHeader("Cache-Control", "no-store");
                    chain.doFilter(request, response);
                });
        noStore.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), false, DEMO_API);
    }
}
