package io.nvent.jpa.internal;

import org.hibernate.boot.model.naming.Identifier;
import org.hibernate.boot.model.naming.PhysicalNamingStrategyStandardImpl;
import org.hibernate.engine.jdbc.env.spi.JdbcEnvironment;

/** Puts the configured prefix in front of every table name, matching the Flyway scripts. */
final class TableNaming extends PhysicalNamingStrategyStandardImpl {

    private static final long serialVersionUID = 1L;
    private final String prefix;

    TableNaming(String prefix) {
        this.prefix = prefix;
    }

    @Override
    public Identifier toPhysicalTableName(Identifier logicalName, JdbcEnvironment context) {
        return Identifier.toIdentifier(prefix + logicalName.getText(), logicalName.isQuoted());
    }
}
