package io.nvent.web.internal.security;

import java.io.Serializable;
import java.security.Principal;
import java.util.Set;

/**
 * Who made a request and with which roles, and how that was established.
 *
 * @param name caller name
 * @param roles roles (Jakarta Security groups) of the caller
 * @param source how the caller was authenticated
 */
public record Caller(String name, Set<String> roles, Source source) implements Principal, Serializable {

    private static final long serialVersionUID = 1L;

    /** How a caller was authenticated. */
    public enum Source {
        /** By the server or the application's own authentication mechanism. */
        CONTAINER,
        /** By HTTP Basic credentials on this request. */
        BASIC,
        /** By the HTTP session a Basic login of the console started. */
        SESSION
    }

    public Caller {
        roles = Set.copyOf(roles);
    }

    @Override
    public String getName() {
        return name;
    }

    /** This caller as remembered in a session. */
    public Caller inSession() {
        return new Caller(name, roles, Source.SESSION);
    }
}
