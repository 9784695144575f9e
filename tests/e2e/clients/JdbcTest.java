// JdbcTest.java — the PostgreSQL JDBC driver (Debian libpostgresql-jdbc-java)
// against the server: a PreparedStatement executed more than prepareThreshold
// times (the driver then switches to a named server-side statement and binary
// transfer), setFetchSize inside a transaction (row-limited Execute on a
// portal kept across Sync), typed getters, errors with SQLSTATE and position,
// and on kestreld DatabaseMetaData.getTables/getColumns.
// Usage: java -cp postgresql.jar:. JdbcTest URL USER TARGET
// Prints "N passed, M failed"; exit status 1 when anything failed.
import java.math.BigDecimal;
import java.sql.*;

public class JdbcTest {
    static int passed = 0, failed = 0;

    static void check(boolean cond, String what) {
        if (cond) passed++;
        else { failed++; System.out.println("FAIL: " + what); }
    }

    public static void main(String[] args) throws Exception {
        String url = args[0], user = args[1];
        boolean fake = args.length < 3 || args[2].equals("fake");
        java.util.Properties props = new java.util.Properties();
        props.setProperty("user", user);
        props.setProperty("password", "x");
        props.setProperty("sslmode", "disable");
        try (Connection c = DriverManager.getConnection(url, props)) {
            DatabaseMetaData md = c.getMetaData();
            check(md.getDatabaseMajorVersion() == 15, "server major version " + md.getDatabaseProductVersion());

            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(fake ? "SELECT * FROM t" : "SELECT * FROM t ORDER BY id")) {
                check(rs.next(), "first row");
                check(rs.getInt("id") == 1 && rs.getString("name").equals("alpha"), "int/text getters");
                check(rs.getBigDecimal("price").equals(new BigDecimal("12.50")), "numeric getter " + rs.getBigDecimal("price"));
                check(rs.getDate("d").toString().equals("2024-01-15"), "date getter " + rs.getDate("d"));
                check(rs.getTimestamp("ts").toString().equals("2024-01-15 10:30:00.0"), "timestamp getter " + rs.getTimestamp("ts"));
                check(rs.getBoolean("flag"), "boolean getter");
                check(rs.getDouble("score") == 1.5, "double getter");
                ResultSetMetaData m = rs.getMetaData();
                check(m.getColumnCount() == 8 && m.getColumnType(3) == Types.NUMERIC && m.getPrecision(3) == 10
                      && m.getScale(3) == 2, "result metadata");
            }

            // More executions than prepareThreshold (5): server-side prepared, binary transfer.
            try (PreparedStatement ps = c.prepareStatement("SELECT * FROM t WHERE id = ?")) {
                for (int i = 0; i < 12; i++) {
                    int id = (i % 4) + 1;
                    ps.setInt(1, id);
                    try (ResultSet rs = ps.executeQuery()) {
                        check(rs.next() && rs.getInt(1) == id, "prepared execution " + i);
                        if (id == 1) {
                            check(rs.getBigDecimal(3).equals(new BigDecimal("12.50")), "numeric " + i + " " + rs.getBigDecimal(3));
                            check(rs.getDate(4).toString().equals("2024-01-15"), "date " + i + " " + rs.getDate(4));
                            check(rs.getTimestamp(5).toString().equals("2024-01-15 10:30:00.0"), "timestamp " + i + " " + rs.getTimestamp(5));
                        }
                        if (id == 2) {
                            check(rs.getBigDecimal(3).equals(new BigDecimal("-0.01")), "negative numeric " + i + " " + rs.getBigDecimal(3));
                            check(rs.getDate(4).toString().equals("1999-12-31"), "date before 2000 " + i + " " + rs.getDate(4));
                        }
                        check(!rs.next(), "one row " + i);
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT ?::int + 1")) {
                for (int i = 0; i < 8; i++) {
                    ps.setInt(1, i);
                    try (ResultSet rs = ps.executeQuery()) {
                        check(rs.next() && rs.getInt(1) == i + 1, "binary parameter round trip " + i);
                    }
                }
            }

            // setFetchSize inside a transaction: rows come in chunks from a portal.
            c.setAutoCommit(false);
            // (on kestreld a 6-way cross join of t's 4 rows: 4096 rows, 41 chunks)
            String big = fake ? "SELECT generate_series(1, 10000)" : "SELECT a.id FROM t a, t b, t c, t d, t e, t f";
            int expect = fake ? 10000 : 4096;
            long expectSum = fake ? 10000L * 10001L / 2 : 4096L / 4 * 10;
            try (Statement s = c.createStatement()) {
                s.setFetchSize(100);
                try (ResultSet rs = s.executeQuery(big)) {
                    int n = 0;
                    long sum = 0;
                    while (rs.next()) { n++; sum += rs.getLong(1); }
                    check(n == expect, "fetch size: " + n + " rows");
                    check(sum == expectSum, "fetch size: sum " + sum);
                }
            }
            c.commit();
            c.setAutoCommit(true);

            try (Statement s = c.createStatement()) {
                s.executeQuery("SELECT * FROM nosuch");
                check(false, "error expected");
            } catch (SQLException e) {
                check("42P01".equals(e.getSQLState()), "SQLSTATE " + e.getSQLState());
                check(e.getMessage().contains("Position: 15"), "position in message: " + e.getMessage());
            }
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 1")) {
                check(rs.next() && rs.getInt(1) == 1, "usable after an error");
            }

            if (!fake) {
                try (ResultSet rs = md.getTables(null, null, "t", new String[] {"TABLE"})) {
                    check(rs.next() && rs.getString("TABLE_NAME").equals("t"), "getTables finds t");
                }
                try (ResultSet rs = md.getColumns(null, null, "t", null)) {
                    int n = 0;
                    while (rs.next()) n++;
                    check(n == 8, "getColumns: " + n + " columns");
                }
            }
        }
        // prepareThreshold=-1: server-prepared and binary results from the first execution.
        props.setProperty("prepareThreshold", "-1");
        try (Connection c = DriverManager.getConnection(url, props);
             PreparedStatement ps = c.prepareStatement("SELECT * FROM t WHERE id = ?")) {
            for (int id = 1; id <= 2; id++) {
                ps.setInt(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    check(rs.next(), "forced binary: row " + id);
                    BigDecimal want = id == 1 ? new BigDecimal("12.50") : new BigDecimal("-0.01");
                    check(rs.getBigDecimal(3).equals(want), "forced binary numeric " + rs.getBigDecimal(3));
                    String d = id == 1 ? "2024-01-15" : "1999-12-31";
                    check(rs.getDate(4).toString().equals(d), "forced binary date " + rs.getDate(4));
                    String ts = id == 1 ? "2024-01-15 10:30:00.0" : "1970-01-01 00:00:00.000001";
                    check(rs.getTimestamp(5).toString().equals(ts), "forced binary timestamp " + rs.getTimestamp(5));
                    check(rs.getBoolean(6) == (id == 1), "forced binary bool");
                    check(rs.getDouble(7) == (id == 1 ? 1.5 : -22500000000.0), "forced binary float8 " + rs.getDouble(7));
                }
            }
        }
        System.out.println(passed + " passed, " + failed + " failed");
        System.exit(failed == 0 ? 0 : 1);
    }
}
