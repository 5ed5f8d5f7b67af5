package io.nvent.jms.internal;

import java.util.regex.Pattern;

/**
 * What the broker's refusals of a user mean, and where its credentials go: shared by the queue's workers and the
 * live event stream, which both hold connections from a container's pooled connection factory.
 */
public final class BrokerRefusals {

    // Artemis 2's server codes only: 1.x's AMQ119031 is a refused login from its server but a rolled-back
    // transaction from its client, so a 1.x broker is left to the step, as any other broker.
    /** Artemis's refused login: {@code AMQ229031 Unable to validate user}. */
    private static final Pattern LOGIN_CODE = Pattern.compile("\\bAMQ229031\\b");
    /** Artemis's missing permission: {@code AMQ229032} on an address, {@code AMQ229213} on a queue. */
    private static final Pattern PERMISSION_CODE = Pattern.compile("\\bAMQ229(032|213)\\b");

    /** Where the broker's user and password go, on each server, for a message that says a login was refused. */
    public static final String WHERE_CREDENTIALS_GO = "on Payara the properties UserName and Password of each "
            + "connector-connection-pool in WEB-INF/glassfish-resources.xml (the resource adapter's own configuration "
            + "does not reach its pooled connections), on WildFly user and password of the pooled-connection-factory";

    private BrokerRefusals() {
    }

    /**
     * What to change when the broker refused the user of the queue's connection factory (enqueues, reads of
     * queues), to follow that failure's text; empty for any other failure.
     */
    public static String hintForEnqueues(Throwable e) {
        return bySecurity(e) ? "; the broker refused the user of the queue's connection factory "
                + "(nvent.queue.jms.connection-factory): give the factory the broker's user and password, "
                + WHERE_CREDENTIALS_GO + ", and the user's role the permissions of README's broker.xml on nvent.#" : "";
    }

    /**
     * Whether the broker refused the login itself rather than an operation of a user it let in, for a failure
     * {@link #bySecurity} (any other is neither: {@code false}). Artemis says which by its code anywhere in the chain
     * ({@code AMQ229031 Unable to validate user} the login; {@code AMQ229032}, {@code AMQ229213} a permission),
     * whatever the step: a resource adapter's context logs in only when first used, so the
     * step alone may mislead. Other brokers' clients have no code known here: then the step tells, as JMS has it. A
     * session is made only for a user the broker let in, so a refusal before one is the login's (the factory's
     * {@code createContext} or {@code createConnection}, or the first use of a context that logs in on it) and
     * one after it a permission's. A broker whose text says which (ActiveMQ Classic "User name … or password is
     * invalid", IBM MQ "security authentication was not valid") is not read: texts change, and guessing a
     * login from a permission's text would send the operator to credentials that work.
     *
     * @param e what failed
     * @param beforeSession whether it failed before the client had a session (a context's first use included)
     */
    public static boolean refusedLogin(Throwable e, boolean beforeSession) {
        if (!bySecurity(e)) {
            return false;
        }
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = String.valueOf(t.getMessage());
            if (LOGIN_CODE.matcher(message).find()) {
                return true;
            }
            if (PERMISSION_CODE.matcher(message).find()) {
                return false;
            }
        }
        return beforeSession;
    }

    /** A {@code JMSSecurityException} (or its runtime twin) anywhere in the chain: the broker refused the user. */
    public static boolean bySecurity(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof jakarta.jms.JMSSecurityException || t instanceof jakarta.jms.JMSSecurityRuntimeException) {
                return true;
            }
        }
        return false;
    }
}
