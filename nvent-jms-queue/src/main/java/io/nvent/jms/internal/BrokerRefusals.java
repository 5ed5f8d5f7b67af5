package io.nvent.jms.internal;

/**
 * What the broker's refusals of a user mean, and where its credentials go: shared by the queue's workers and the
 * live event stream, which both hold connections from a container's pooled connection factory.
 */
public final class BrokerRefusals {

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
     * Whether the broker refused the login itself, as Artemis says ({@code AMQ229031 Unable to validate user}) anywhere
     * in the chain: a context of a resource adapter logs in only when first used, so where it failed does not tell.
     */
    public static boolean refusedLogin(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (String.valueOf(t.getMessage()).contains("AMQ229031")) {
                return true;
            }
        }
        return false;
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
