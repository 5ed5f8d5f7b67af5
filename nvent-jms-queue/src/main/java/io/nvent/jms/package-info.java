/**
 * Job queue on Jakarta Messaging: {@link io.nvent.jms.JmsJobQueue}. Machinery lives in
 * {@code io.nvent.jms.internal}, which carries no compatibility promise.
 *
 * @since 0.1
 */
package io.nvent.jms;
