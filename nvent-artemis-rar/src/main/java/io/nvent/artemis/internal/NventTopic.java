package io.nvent.artemis.internal;

import org.apache.activemq.artemis.jms.client.ActiveMQTopic;

/** Topic admin object of the resource adapter; see {@link NventQueue}. */
public class NventTopic extends ActiveMQTopic {

    private static final long serialVersionUID = 1L;

    public NventTopic() {
        super();
    }

    /** Sets the Artemis address (= topic name) of this topic. */
    public void setName(String name) {
        setAddress(name);
    }
}
