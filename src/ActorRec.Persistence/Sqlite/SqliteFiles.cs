using Microsoft.Data.Sqlite;

namespace ActorRec.Persistence.Sqlite;

/// <summary>Connection helpers shared by the SQLite journal and snapshot store.</summary>
internal static class SqliteFiles
{
    public static string ConnectionString(string path) => new SqliteConnectionStringBuilder
    {
        DataSource = path,
        Mode = SqliteOpenMode.ReadWriteCreate,
        Pooling = true,
        DefaultTimeout = 30,
    }.ToString();

    /// <summary>Opens the writer connection: WAL, the chosen synchronous level, a busy timeout.</summary>
    public static SqliteConnection Open(string connectionString, bool synchronousFull)
    {
        var conn = new SqliteConnection(connectionString);
        conn.Open();
        Execute(conn, $"""
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = {(synchronousFull ? "FULL" : "NORMAL")};
            PRAGMA busy_timeout = 30000;
            PRAGMA cache_size = -65536;
            """);
        return conn;
    }

    public static SqliteConnection OpenReader(string connectionString)
    {
        var conn = new SqliteConnection(connectionString);
        conn.Open();
        return conn;
    }

    public static void Execute(SqliteConnection conn, string sql)
    {
        using SqliteCommand cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}
