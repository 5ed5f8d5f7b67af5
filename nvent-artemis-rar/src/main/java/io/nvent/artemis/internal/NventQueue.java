package io.nvent.artemis.internal;

import org.apache.activemq.artemis.jms.client.ActiveMQQueue;

/**
 * Queue admin object of the resource adapter. Application servers configure admin objects as
 * JavaBeans: {@code @JMSDestinationDefinition(destinationName = "x")} arrives as property
 * {@code Name}, an explicit admin-object property {@code Address} works as well.
 */
public class NventQueue extends ActiveMQQueue {

    private static final long serialVersionUID = 1L;

    public NventQueue() {
        super();
    }

    /** Sets the Artemis address (= queue name) of this queue. */
    public void setName(String name) {
        setAddress(name);
    }
}
