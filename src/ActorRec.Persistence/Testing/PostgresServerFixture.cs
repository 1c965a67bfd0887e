using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace ActorRec.Persistence.Testing;

/// <summary>
/// A throwaway PostgreSQL server for tests and benchmarks: initdb into a temp dir, pg_ctl start on a free port with
/// the unix socket in the same dir, one database created; <see cref="DisposeAsync"/> stops it and deletes everything.
/// </summary>
/// <remarks>
/// Binaries are looked up under /usr/lib/postgresql/*/bin (newest first), then on PATH. PostgreSQL refuses to run as
/// root, so as root every server command runs through <c>runuser -u postgres --</c>. When the binaries are missing,
/// <see cref="StartAsync"/> throws (also in CI, where tests must never skip) with the fix: apt-get install postgresql.
/// </remarks>
public sealed class PostgresServerFixture : IAsyncDisposable
{
    private readonly string _binDir;
    private readonly string _root;
    private readonly bool _asRoot;
    private bool _started;

    private PostgresServerFixture(string binDir, string root, int port, bool asRoot)
    {
        _binDir = binDir;
        _root = root;
        Port = port;
        _asRoot = asRoot;
    }

    public int Port { get; }

    public string DataDir => Path.Combine(_root, "data");

    public string SocketDir => Path.Combine(_root, "sock");

    private string AdminConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Pooling=false";

    /// <summary>Connection string of the created database (TCP on 127.0.0.1, trust auth, user postgres).</summary>
    public string ConnectionString { get; private set; } = string.Empty;

    /// <summary>Starts a server and creates <paramref name="database"/>. <paramref name="fsync"/> off makes tests faster.</summary>
    public static async Task<PostgresServerFixture> StartAsync(string database = "actorrec_test", bool fsync = false,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(database);
        string binDir = FindBinDir() ?? throw new InvalidOperationException(
            "PostgreSQL server binaries (initdb, pg_ctl) were not found under /usr/lib/postgresql/*/bin or on PATH. " +
            "Install them with `apt-get update && apt-get install -y postgresql` (the system cluster need not run)." +
            (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase)
                ? " CI=true: PostgreSQL tests must run in CI, they are never skipped." : string.Empty));
        bool asRoot = Environment.UserName == "root";
        string root = Path.Combine(Path.GetTempPath(), "actorrec-pg-" + Guid.NewGuid().ToString("N")[..12]);
        var fixture = new PostgresServerFixture(binDir, root, FreePort(), asRoot);
        try
        {
            await fixture.InitAndStartAsync(database, fsync, cancellationToken).ConfigureAwait(false);
            return fixture;
        }
        catch
        {
            await fixture.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Creates another empty database on this server and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string database, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(database);
        if (!_started)
        {
            throw new InvalidOperationException("The server is not running.");
        }

        await using (var conn = new NpgsqlConnection(AdminConnectionString))
        {
            await conn.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{database.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", conn);
            await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Maximum Pool Size=50";
    }

    public async ValueTask DisposeAsync()
    {
        if (_started)
        {
            _started = false;
            NpgsqlConnection.ClearAllPools();
            try
            {
                await RunAsync("pg_ctl", ["-D", DataDir, "-m", "immediate", "-w", "stop"], CancellationToken.None).ConfigureAwait(false);
            }
            catch (InvalidOperationException)
            {
                // The server is already gone (killed by a test); the directory is removed below either way.
            }
        }

        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private static string? FindBinDir()
    {
        const string baseDir = "/usr/lib/postgresql";
        if (Directory.Exists(baseDir))
        {
            string[] versions = Directory.GetDirectories(baseDir);
            Array.Sort(versions, static (a, b) => VersionOf(b).CompareTo(VersionOf(a)));
            foreach (string v in versions)
            {
                string bin = Path.Combine(v, "bin");
                if (File.Exists(Path.Combine(bin, "initdb")) && File.Exists(Path.Combine(bin, "pg_ctl")))
                {
                    return bin;
                }
            }
        }

        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            if (File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "pg_ctl")))
            {
                return dir;
            }
        }

        return null;
    }

    private static int VersionOf(string dir) => int.TryParse(Path.GetFileName(dir), out int v) ? v : 0;

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task InitAndStartAsync(string database, bool fsync, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(_root);
        Directory.CreateDirectory(SocketDir);
        if (_asRoot)
        {
            await RunProcessAsync("chown", ["-R", "postgres:postgres", _root], cancellationToken).ConfigureAwait(false);
        }

        await RunAsync("initdb", ["-D", DataDir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--locale=C"], cancellationToken)
            .ConfigureAwait(false);
        string options = $"-p {Port} -k {SocketDir} -c listen_addresses=127.0.0.1 -c fsync={(fsync ? "on" : "off")} " +
                         "-c max_connections=200 -c shared_buffers=128MB";
        await RunAsync("pg_ctl", ["-D", DataDir, "-l", Path.Combine(_root, "server.log"), "-o", options, "-w", "-t", "60", "start"], cancellationToken)
            .ConfigureAwait(false);
        _started = true;
        ConnectionString = await CreateDatabaseAsync(database, cancellationToken).ConfigureAwait(false);
    }

    private Task RunAsync(string tool, string[] args, CancellationToken cancellationToken)
    {
        string exe = Path.Combine(_binDir, tool);
        if (!_asRoot)
        {
            return RunProcessAsync(exe, args, cancellationToken);
        }

        string[] full = new string[args.Length + 4];
        full[0] = "-u";
        full[1] = "postgres";
        full[2] = "--";
        full[3] = exe;
        args.CopyTo(full, 4);
        return RunProcessAsync("runuser", full, cancellationToken);
    }

    private static async Task RunProcessAsync(string file, string[] args, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using Process process = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start {file}.");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        Task<string> stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{file} {string.Join(' ', args)} exited with {process.ExitCode}: {await stderr.ConfigureAwait(false)} {await stdout.ConfigureAwait(false)}");
        }
    }
}
