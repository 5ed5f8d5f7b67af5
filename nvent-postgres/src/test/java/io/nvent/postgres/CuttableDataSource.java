package io.nvent.postgres;

import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A data source whose database can be cut off, as for an instance that crashed or lost the
 * network: once {@link #cut()}, new connections fail and every call on an existing one fails with
 * a connection error (SQLState 08006). LISTEN keeps working (it unwraps to the driver), which only
 * brings wake-ups.
 */
final class CuttableDataSource implements DataSource {

    private final DataSource target;
    private volatile boolean cut;
    private volatile boolean driverHidden;
    private volatile boolean breakNextInsert;

    CuttableDataSource(DataSource target) {
        this.target = target;
    }

    void cut() {
        cut = true;
    }

    /** The database answers again, to new connections and to those opened before the cut. */
    void reconnect() {
        cut = false;
    }

    /**
     * The next statement prepared that inserts (a large event stored) fails with a connection error (SQLState 08006),
     * as on a connection the database dropped during the send; the ones after it work.
     */
    void breakNextInsert() {
        breakNextInsert = true;
    }

    /**
     * Its connections no longer unwrap to the driver's, as those of a server pool whose driver is
     * other classes than the application's (WildFly: IJ031030).
     */
    void hideTheDriver() {
        driverHidden = true;
    }

    private void check() throws SQLException {
        if (cut) {
            throw new SQLException("connection cut by the test", "08006");
        }
    }

    @Override
    public Connection getConnection() throws SQLException {
        check();
        Connection connection = target.getConnection();
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                (proxy, method, args) -> {
                    if (driverHidden && method.getName().equals("unwrap")) {
                        throw new SQLException("not a wrapper for " + args[0] + " (hidden by the test)");
                    }
                    if (!method.getName().equals("close") && !method.getName().equals("unwrap")
                            && !method.getName().equals("isWrapperFor")) {
                        check();
                    }
                    if (breakNextInsert && method.getName().equals("prepareStatement")
                            && String.valueOf(args[0]).contains("INSERT")) {
                        breakNextInsert = false;
                        throw new SQLException("connection reset by the test", "08006");
                    }
                    try {
                        return method.invoke(connection, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        throw new SQLFeatureNotSupportedException();
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return target.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        target.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        target.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return target.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return target.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        return target.unwrap(iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
        return target.isWrapperFor(iface);
    }
}
