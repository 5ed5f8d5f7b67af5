package io.nvent.demo;

import jakarta.ejb.Singleton;
import jakarta.resource.ConnectionFactoryDefinition;
import jakarta.resource.spi.TransactionSupport.TransactionSupportLevel;

/**
 * The JMS connection factory nvent's queue uses ({@code nvent.queue.jms.connection-factory}), on
 * the embedded Artemis broker that {@code nvent-artemis-rar} starts. XA makes a job enqueued inside
 * a JTA transaction visible only when the transaction commits; workers use local transactions and
 * take one message at a time. Declared on an EJB because resource definitions belong on
 * container components.
 */
@ConnectionFactoryDefinition(
        name = "java:app/nvent/jms/ConnectionFactory",
        interfaceName = "jakarta.jms.ConnectionFactory",
        resourceAdapter = "nvent-artemis-rar",
        transactionSupport = TransactionSupportLevel.XATransaction,
        maxPoolSize = 64,
        properties = {"AllowLocalTransactions=true", "ConsumerWindowSize=0"})
@Singleton
public class MessagingResources {
}
