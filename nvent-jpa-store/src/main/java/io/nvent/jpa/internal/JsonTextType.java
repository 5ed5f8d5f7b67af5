package io.nvent.jpa.internal;

import java.io.Serializable;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.Objects;
import org.hibernate.dialect.PostgreSQLDialect;
import org.hibernate.engine.spi.SharedSessionContractImplementor;
import org.hibernate.usertype.UserType;

/**
 * Maps a {@code String} holding JSON text to a {@code jsonb} column on PostgreSQL and to a character
 * large object elsewhere.
 *
 * <p>Why not {@code @JdbcTypeCode(SqlTypes.JSON)}: Hibernate then routes the value through a JSON
 * format mapper (Jackson or JSON-B, whichever the server happens to expose) and on H2 through the
 * {@code JSON} type, which stores a bound string as a quoted JSON string. Binding with
 * {@link Types#OTHER} makes the PostgreSQL driver send the text untyped, so the server parses it
 * into {@code jsonb} itself; the text has been validated by the store before.
 */
public final class JsonTextType implements UserType<String> {

    @Override
    public int getSqlType() {
        return Types.OTHER;
    }

    @Override
    public Class<String> returnedClass() {
        return String.class;
    }

    @Override
    public boolean equals(String x, String y) {
        return Objects.equals(x, y);
    }

    @Override
    public int hashCode(String x) {
        return Objects.hashCode(x);
    }

    @Override
    public String nullSafeGet(ResultSet rs, int position, SharedSessionContractImplementor session, Object owner)
            throws SQLException {
        return rs.getString(position);
    }

    @Override
    public void nullSafeSet(PreparedStatement st, String value, int index, SharedSessionContractImplementor session)
            throws SQLException {
        boolean postgres = session.getJdbcServices().getDialect() instanceof PostgreSQLDialect;
        if (value == null) {
            st.setNull(index, postgres ? Types.OTHER : Types.CLOB);
        } else if (postgres) {
            st.setObject(index, value, Types.OTHER);
        } else {
            st.setString(index, value);
        }
    }

    @Override
    public String deepCopy(String value) {
        return value;
    }

    @Override
    public boolean isMutable() {
        return false;
    }

    @Override
    public Serializable disassemble(String value) {
        return value;
    }

    @Override
    public String assemble(Serializable cached, Object owner) {
        return (String) cached;
    }
}
