/**
 * Job queue and event stream on PostgreSQL: {@link io.nvent.postgres.PgJobQueue} and
 * {@link io.nvent.postgres.PgEventStream}. Machinery lives in {@code io.nvent.postgres.internal},
 * which carries no compatibility promise.
 *
 * @since 0.1
 */
package io.nvent.postgres;
