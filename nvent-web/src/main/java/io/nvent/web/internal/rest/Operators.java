package io.nvent.web.internal.rest;

import io.nvent.FlowService;
import io.nvent.Operator;
import io.nvent.TriggerService;
import io.nvent.spi.internal.LogText;
import jakarta.ws.rs.core.SecurityContext;
import java.security.Principal;

/**
 * Who acts in a request to an operator endpoint (cancel, retry, restart, delete, resolve, pause, a trigger's
 * change, ...): the signed-in user, {@value #ANONYMOUS} while security is off, with the reason the request gives in
 * its {@value #REASON} query parameter (which {@link ReasonHeader} sets from the {@value ReasonHeader#NAME} header). The services are called through their {@code actingAs} view, so the history
 * entries the action writes name the user and the reason, and the {@code io.nvent.audit} log has a line of it.
 */
final class Operators {

    /** The query parameter an operator endpoint takes the reason from. */
    static final String REASON = "reason";
    /** Who acts when no user signed in (security off). */
    static final String ANONYMOUS = "anonymous";
    /** The audit trail's logger, where the engine logs the actions of {@code actingAs} views. */
    private static final System.Logger AUDIT = System.getLogger("io.nvent.audit");

    private Operators() {
    }

    /**
     * The operator of a request: the signed-in user, never refused for their name (a name too long or with control
     * characters is recorded shortened, the whole name in the audit line: {@link Operator#signedIn(String)}).
     *
     * @throws IllegalArgumentException (400, nothing done) if the reason is refused (NVENT-0734)
     */
    static Operator of(SecurityContext security, String reason) {
        Principal user = security == null ? null : security.getUserPrincipal();
        Operator operator = user == null ? Operator.named(ANONYMOUS) : Operator.signedIn(user.getName());
        return reason == null ? operator : because(operator, reason, "query parameter '" + REASON + "'");
    }

    /**
     * The operator giving the reason, which {@code where} (the query parameter, the header) gave.
     *
     * @throws IllegalArgumentException (400, nothing done) if the reason is refused (NVENT-0734)
     */
    static Operator because(Operator operator, String reason, String where) {
        try {
            return operator.because(reason);
        } catch (IllegalArgumentException refused) {
            throw new IllegalArgumentException("NVENT-0734 " + where + " refused: " + refused.getMessage(), refused);
        }
    }

    /** {@code flows} acting as the operator of the request. */
    static FlowService acting(FlowService flows, SecurityContext security, String reason) {
        return flows.actingAs(of(security, reason));
    }

    /** {@code triggers} acting as the operator of the request. */
    static TriggerService acting(TriggerService triggers, SecurityContext security, String reason) {
        return triggers.actingAs(of(security, reason));
    }

    /**
     * Logs an action the engine's services and queue controls do not see (a job retried, redriven or discarded here)
     * on the audit trail, at INFO.
     */
    static void audit(Operator operator, String action) {
        AUDIT.log(System.Logger.Level.INFO, "NVENT-0736 operator {0} {1} ({2})",
                LogText.operator(operator), action, operator.reason()
                        .map(reason -> "reason: " + LogText.of(reason, Operator.MAX_REASON_LENGTH))
                        .orElse("no reason given"));
    }
}
