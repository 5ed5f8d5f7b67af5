package io.nvent.web.internal.security;

import jakarta.json.spi.JsonProvider;
import io.nvent.web.internal.rest.Representations;
import io.nvent.spi.internal.LogText;
import io.nvent.web.internal.WebSettings;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.time.Clock;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Guards the console, the management API and the WebSocket handshake: the caller must hold the
 * admin role ({@code nvent-admin}). Unauthenticated requests get {@code 401} with a Basic
 * challenge, callers without the role {@code 403}, both as {@code application/problem+json}.
 *
 * <p>A caller is accepted when
 * <ol>
 *   <li>the server or the application's own Jakarta Security mechanism already authenticated
 *       the request (then {@code isUserInRole} decides), or</li>
 *   <li>the request carries HTTP Basic credentials valid in the configured identity stores, or</li>
 *   <li>the HTTP session was started by such a Basic login to the console. Such cookie-only
 *       callers must send {@code X-Requested-With} on state-changing requests.</li>
 * </ol>
 * A browser request that changes something, or opens the stream, must come from the console's own
 * origin ({@code Origin} header), so a page on another site cannot ride cached credentials.
 * Webhook paths ({@code /api/nvent/triggers/{name}/webhook}, {@code /api/nvent/awaits/...}) stay
 * public: they authenticate by token or signature themselves. Repeated failed Basic logins of one user from one
 * address lock that user's logins from there out for a while, many of several users every login from there
 * ({@code 429}, see {@link LoginThrottle}); behind a trusted proxy the address is the one it forwards
 * ({@link TrustedProxies}).
 */
public final class NventSecurityFilter implements Filter {

    private static final JsonProvider JSON = Representations.JSON;


    private static final System.Logger LOG = System.getLogger(NventSecurityFilter.class.getName());
    static final String SESSION_CALLER = NventSecurityFilter.class.getName() + ".caller";
    private static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD", "OPTIONS");

    private final WebSettings settings;
    private final CredentialCheck credentials;
    private final LoginThrottle throttle;
    private final TrustedProxies proxies;

    public NventSecurityFilter(WebSettings settings) {
        this(settings, Clock.systemUTC());
    }

    NventSecurityFilter(WebSettings settings, Clock clock) {
        this.settings = settings;
        this.credentials = new CredentialCheck(settings);
        this.throttle = new LoginThrottle(clock, LoginThrottle.MAX_TRACKED);
        this.proxies = settings.trustedProxies();
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest request = (HttpServletRequest) req;
        HttpServletResponse response = (HttpServletResponse) res;
        String path = request.getRequestURI().substring(request.getContextPath().length());
        if (!settings.securityEnabled() || settings.isPublic(path)) {
            boolean triggerWebhook = settings.securityEnabled() && WebSettings.isTriggerWebhook(path)
                    && request.getUserPrincipal() == null;
            // Who calls is settled for every call, not when the resource asks (for an unknown name only): the check's
            // time and its count towards the lock-out would tell which trigger names exist.
            chain.doFilter(triggerWebhook ? new WebhookCallerRequest(request, webhookOperator(request)) : req, res);
            return;
        }
        if (isScrapeWithToken(request, path)) {
            chain.doFilter(req, res);
            return;
        }
        Optional<BasicLogin> login;
        try {
            login = basicLogin(request);
        } catch (IllegalArgumentException malformed) {
            problem(response, 400, "Bad credentials header", malformed.getMessage());
            return;
        }
        Optional<LoginThrottle.Refusal> locked = login.flatMap(basic -> throttle.refusedFor(basic.from().address(),
                basic.user()));
        if (locked.isPresent()) {
            long seconds = Math.max(1, (locked.get().remaining().toMillis() + 999) / 1000);
            response.setHeader("Retry-After", String.valueOf(seconds));
            problem(response, 429, "Too many failed logins", "NVENT-0782 too many failed logins "
                    + (locked.get().everyUser() ? "of several users from this address: its logins are"
                    : "of this user from this address: its logins from there are") + " refused for " + seconds
                    + " s more (Retry-After), longer after every further failure, until one succeeds");
            return;
        }
        Optional<Caller> authenticated = authenticate(request, path, login);
        if (authenticated.isEmpty()) {
            boolean tokenWouldDo = !settings.metricsTokens().isEmpty() && path.equals(WebSettings.METRICS_PATH);
            response.addHeader("WWW-Authenticate", "Basic realm=\"" + settings.realm() + "\", charset=\"UTF-8\"");
            if (tokenWouldDo) {
                response.addHeader("WWW-Authenticate", scrapeTokenChallenge(request));
            }
            problem(response, 401, "Authentication required", "NVENT-0789 log in with a user holding the role '"
                    + settings.role() + "'" + (tokenWouldDo ? ", or send a scrape token as Authorization: Bearer <token>"
                    : ""));
            return;
        }
        Caller caller = authenticated.get();
        if (!caller.roles().contains(settings.role())) {
            LOG.log(System.Logger.Level.DEBUG, "NVENT-0704 {0} lacks role {1} for {2}",
                    LogText.of(caller.name()), settings.role(), LogText.of(path));
            problem(response, 403, "Forbidden", "NVENT-0790 user '" + caller.name() + "' does not have the role '"
                    + settings.role() + "'; an administrator grants it, or log in as a user who has it");
            return;
        }
        boolean changes = !SAFE_METHODS.contains(request.getMethod()) || isWebSocketHandshake(request);
        if (changes && (!sameOrigin(request) || caller.source() == Caller.Source.SESSION
                && !isWebSocketHandshake(request) && request.getHeader("X-Requested-With") == null)) {
            problem(response, 403, "Cross-site request refused", "NVENT-0791 browsers may change things and open the stream "
                    + "only from the console's own origin; cookie-authenticated calls need an X-Requested-With header");
            return;
        }
        chain.doFilter(new CallerRequest(request, caller), res);
    }

    /**
     * A metrics scrape with one of the configured tokens: a scraper reads metrics and nothing else,
     * so it needs no user with the admin role.
     */
    private boolean isScrapeWithToken(HttpServletRequest request, String path) {
        String authorization = request.getHeader("Authorization");
        return !settings.metricsTokens().isEmpty() && path.equals(WebSettings.METRICS_PATH)
                && request.getMethod().equals("GET") && authorization != null
                && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                && Secrets.matchesAny(authorization.substring(7).trim(), settings.metricsTokens());
    }

    /**
     * The second challenge of a 401 for the metrics when scrape tokens are configured (RFC 6750): a
     * token was sent but is none of them → {@code error="invalid_token"}.
     */
    private String scrapeTokenChallenge(HttpServletRequest request) {
        String authorization = request.getHeader("Authorization");
        boolean tokenSent = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7);
        return "Bearer realm=\"" + settings.realm() + "\"" + (tokenSent ? ", error=\"invalid_token\"" : "");
    }

    private Optional<Caller> authenticate(HttpServletRequest request, String path, Optional<BasicLogin> login) {
        Principal principal = request.getUserPrincipal();
        if (principal != null) {
            Set<String> roles = request.isUserInRole(settings.role()) ? Set.of(settings.role()) : Set.of();
            return Optional.of(new Caller(principal.getName(), roles, Caller.Source.CONTAINER));
        }
        if (login.isPresent()) {
            Optional<Caller> caller = check(login.get());
            if (caller.isPresent() && caller.get().roles().contains(settings.role()) && startsSession(request, path)) {
                remember(request, caller.get());
            }
            return caller;
        }
        return sessionCaller(request);
    }

    /**
     * HTTP Basic credentials for nvent to check, and the address they come from ({@link TrustedProxies}).
     *
     * @param user the user name sent
     * @param password the password sent
     * @param from the caller's address, whose failures the lock-out counts
     */
    private record BasicLogin(String user, String password, TrustedProxies.CallerAddress from) {

        /** Without the password, should one ever be logged. */
        @Override
        public String toString() {
            return "BasicLogin[user=" + user + ", from=" + from + "]";
        }
    }

    /**
     * The request's Basic credentials, if it has some for nvent to check ({@link #isBasicLogin}).
     *
     * @throws IllegalArgumentException for credentials that are not Base64 of {@code user:password}
     */
    private Optional<BasicLogin> basicLogin(HttpServletRequest request) {
        if (!isBasicLogin(request)) {
            return Optional.empty();
        }
        String[] userAndPassword = decode(request.getHeader("Authorization").substring(6).trim());
        return Optional.of(new BasicLogin(userAndPassword[0], userAndPassword[1], proxies.callerOf(request)));
    }

    /**
     * The caller of these Basic credentials, if they are valid; a failure counts towards the user's and the
     * address's lock-outs and is logged, a success ends the user's.
     */
    private Optional<Caller> check(BasicLogin login) {
        Optional<Caller> caller = credentials.validate(login.user(), login.password());
        if (caller.isPresent()) {
            throttle.succeeded(login.from().address(), login.user());
        } else {
            failed(login.user(), login.from());
        }
        return caller;
    }

    private static Optional<Caller> sessionCaller(HttpServletRequest request) {
        HttpSession session = request.getSession(false);
        if (session != null && session.getAttribute(SESSION_CALLER) instanceof Caller caller) {
            return Optional.of(caller.inSession());
        }
        return Optional.empty();
    }

    /**
     * The operator behind a trigger webhook's call, if one sent it: its Basic credentials or the console's session,
     * never a refusal. Only a webhook no trigger has uses the answer (an operator learns it is none, an anonymous
     * caller gets the 401 of a signed trigger), but every call is checked alike, so that neither the time nor the
     * lock-out tells a name that exists. A lock-out for failed logins still holds: credentials are then not checked
     * at all, as on nvent's other paths, so the webhook is no way round it to guess a password.
     */
    private Optional<Caller> webhookOperator(HttpServletRequest request) {
        if (!isBasicLogin(request)) {
            return sessionCaller(request);
        }
        Optional<BasicLogin> login;
        try {
            login = basicLogin(request);
        } catch (IllegalArgumentException malformed) {
            return Optional.empty();
        }
        if (login.isEmpty() || throttle.refusedFor(login.get().from().address(), login.get().user()).isPresent()) {
            return Optional.empty();
        }
        return check(login.get());
    }

    /** HTTP Basic credentials for nvent to check (not a caller the server authenticated already). */
    private static boolean isBasicLogin(HttpServletRequest request) {
        String authorization = request.getHeader("Authorization");
        return request.getUserPrincipal() == null && authorization != null
                && authorization.regionMatches(true, 0, "Basic ", 0, 6);
    }

    /** Counts a failed login and logs it (the first at once, then at most once a minute per address). */
    private void failed(String user, TrustedProxies.CallerAddress from) {
        LoginThrottle.Reports reports = throttle.failed(from.address(), user);
        reports.failures().ifPresent(failures -> LOG.log(System.Logger.Level.INFO, failures == 1
                ? "NVENT-0705 failed login of user ''{0}'' from {1}"
                : "NVENT-0705 {2} failed logins from {1} since the last report, the last of user ''{0}''; further "
                + "failures from there are reported at most once a minute", LogText.of(user), from, failures));
        reports.userLockout().ifPresent(lock -> LOG.log(System.Logger.Level.WARNING, "NVENT-0781 {0} failed logins "
                + "of user ''{5}'' from {1}: that user''s logins from there are refused (429) for {2} s, twice as long "
                + "after every further failure (up to {3} min), until one succeeds; logged once until it succeeds or "
                + "stays quiet for {4} min", LoginThrottle.FREE_FAILURES, from, lock.toSeconds(),
                LoginThrottle.MAX_LOCK.toMinutes(), LoginThrottle.WINDOW.toMinutes(), LogText.of(user)));
        reports.addressLockout().ifPresent(lock -> LOG.log(System.Logger.Level.WARNING, "NVENT-1145 {0} failed "
                + "logins from {1}, not counting one locked-out user''s retries (the last of user ''{5}''): every login from there is "
                + "refused (429) for {2} s, twice as long after every further such failure (up to {3} min); logged "
                + "once until it stays quiet for {4} min", LoginThrottle.ADDRESS_FREE_FAILURES, from,
                lock.toSeconds(), LoginThrottle.MAX_LOCK.toMinutes(), LoginThrottle.WINDOW.toMinutes(),
                LogText.of(user)));
    }

    /** The console's own pages start a session, so its scripts and WebSocket can use the cookie. */
    private boolean startsSession(HttpServletRequest request, String path) {
        return path.equals(settings.uiPath()) || path.startsWith(settings.uiPath() + "/")
                || request.getHeader("X-Requested-With") != null;
    }

    private static void remember(HttpServletRequest request, Caller caller) {
        HttpSession existing = request.getSession(false);
        if (existing != null && existing.getAttribute(SESSION_CALLER) instanceof Caller known
                && known.name().equals(caller.name())) {
            return;
        }
        if (existing != null) {
            request.changeSessionId();   // no session fixation across a login
        }
        request.getSession(true).setAttribute(SESSION_CALLER, caller.inSession());
    }

    private static String[] decode(String token) {
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(token), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("NVENT-0788 the Basic credentials are not valid Base64; send "
                    + "Authorization: Basic <base64 of user:password>", e);
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("NVENT-0788 the Basic credentials must be user:password, Base64-encoded; "
                    + "send Authorization: Basic <base64 of user:password>");
        }
        return new String[] {decoded.substring(0, colon), decoded.substring(colon + 1)};
    }

    private static boolean isWebSocketHandshake(HttpServletRequest request) {
        return "websocket".equalsIgnoreCase(request.getHeader("Upgrade"));
    }

    private static boolean sameOrigin(HttpServletRequest request) {
        String origin = request.getHeader("Origin");
        if (origin == null) {
            return true;   // not a browser: cannot be a cross-site page riding the browser's credentials
        }
        try {
            URI uri = URI.create(origin);
            if (uri.getHost() == null) {
                return false;   // "null" (sandboxed frames, file: pages) or no host: not the console's origin
            }
            String forwarded = request.getHeader("X-Forwarded-Host");
            String host = forwarded != null ? forwarded.split(",")[0].trim() : request.getHeader("Host");
            String originHost = uri.getPort() < 0 ? uri.getHost() : uri.getHost() + ":" + uri.getPort();
            return host != null && host.toLowerCase(Locale.ROOT).equals(originHost.toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException malformed) {
            return false;
        }
    }

    /** Answers with an {@code application/problem+json} document, as the API's resources answer. */
    public static void problem(HttpServletResponse response, int status, String title, String detail)
            throws IOException {
        response.setStatus(status);
        response.setContentType("application/problem+json");
        response.setCharacterEncoding("UTF-8");
        response.getWriter().write(JSON.createObjectBuilder().add("type", "about:blank").add("title", title)
                .add("status", status).add("detail", detail).build().toString());
    }

    /** A trigger webhook's request, as seen by its resource: with the operator who sent it, if any ({@link #webhookOperator}). */
    private static final class WebhookCallerRequest extends HttpServletRequestWrapper {

        private final Optional<Caller> caller;

        WebhookCallerRequest(HttpServletRequest request, Optional<Caller> caller) {
            super(request);
            this.caller = caller;
        }

        @Override
        public Principal getUserPrincipal() {
            return caller.map(Principal.class::cast).orElse(null);
        }

        @Override
        public String getRemoteUser() {
            return caller.map(Caller::name).orElse(null);
        }

        @Override
        public boolean isUserInRole(String role) {
            return caller.filter(known -> known.roles().contains(role)).isPresent();
        }
    }

    /** The request as seen by the API: with the authenticated caller. */
    private static final class CallerRequest extends HttpServletRequestWrapper {

        private final Caller caller;

        CallerRequest(HttpServletRequest request, Caller caller) {
            super(request);
            this.caller = caller;
        }

        @Override
        public Principal getUserPrincipal() {
            return caller;
        }

        @Override
        public String getRemoteUser() {
            return caller.name();
        }

        @Override
        public boolean isUserInRole(String role) {
            return caller.roles().contains(role) || super.isUserInRole(role);
        }

        @Override
        public String getAuthType() {
            return caller.source() == Caller.Source.CONTAINER ? super.getAuthType() : HttpServletRequest.BASIC_AUTH;
        }
    }
}
