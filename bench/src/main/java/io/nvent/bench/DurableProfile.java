package io.nvent.bench;

/** PostgreSQL store + JMS queue on a persistent Artemis journal (wired once those adapters land). */
final class DurableProfile {

    private DurableProfile() {
    }

    static Profile start() {
        throw new UnsupportedOperationException("the durable profile needs nvent-jpa-store and nvent-jms-queue");
    }
}
