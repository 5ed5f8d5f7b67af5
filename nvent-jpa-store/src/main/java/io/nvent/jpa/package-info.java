/**
 * A {@link io.nvent.spi.FlowStore} on Jakarta Persistence (Hibernate ORM) with Flyway-managed
 * schema: PostgreSQL in production, H2 (e.g. a server's default datasource) for development.
 *
 * <p>Plain Java: {@link io.nvent.jpa.JpaFlowStore#create(javax.sql.DataSource, JpaStoreOptions)}.
 * In a Jakarta EE container the store is the CDI bean {@code @Adapter("jpa") FlowStore}, configured
 * with MicroProfile Config keys {@code nvent.store.*}; see {@link io.nvent.jpa.JpaStoreOptions}.
 *
 * @since 0.1
 */
package io.nvent.jpa;
