using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ActorRec.Cluster.Tests.Support;

/// <summary>
/// A throwaway PostgreSQL server for the contract tests: initdb into a temp dir, pg_ctl start on a free loopback
/// port, trust authentication, stopped and deleted on dispose. Needs the Debian postgresql binaries
/// (/usr/lib/postgresql/*/bin); missing binaries fail the tests (never skipped).
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private string _dataDir = "";
    private string _binDir = "";

    public string ConnectionString { get; private set; } = "";

    public async Task InitializeAsync()
    {
        _binDir = FindBinDir() ?? throw new InvalidOperationException(
            "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin: install them with `apt-get install -y postgresql`.");
        _dataDir = Path.Combine(Path.GetTempPath(), "actorrec-cluster-pg-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dataDir);
        var port = FreePort();
        var asRoot = Environment.UserName == "root";
        if (asRoot)
        {
            await RunAsync("chown", $"postgres:postgres {_dataDir}").ConfigureAwait(false);
        }

        await RunPgAsync(asRoot, "initdb", $"-D {_dataDir}/data -U postgres -A trust --no-sync -E UTF8").ConfigureAwait(false);
        await RunPgAsync(asRoot, "pg_ctl",
            $"-D {_dataDir}/data -l {_dataDir}/log -w -t 60 -o \"-p {port} -k {_dataDir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200\" start")
            .ConfigureAwait(false);
        ConnectionString = $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Pooling=true;Maximum Pool Size=50";
    }

    public async Task DisposeAsync()
    {
        if (_dataDir.Length == 0)
        {
            return;
        }

        try
        {
            await RunPgAsync(Environment.UserName == "root", "pg_ctl", $"-D {_dataDir}/data -m immediate -w stop").ConfigureAwait(false);
        }
        finally
        {
            Directory.Delete(_dataDir, recursive: true);
        }
    }

    private static string? FindBinDir()
    {
        if (!Directory.Exists("/usr/lib/postgresql"))
        {
            return null;
        }

        return Directory.GetDirectories("/usr/lib/postgresql")
            .Select(d => Path.Combine(d, "bin"))
            .Where(d => File.Exists(Path.Combine(d, "pg_ctl")))
            .OrderDescending()
            .FirstOrDefault();
    }

    private Task RunPgAsync(bool asRoot, string tool, string args) =>
        asRoot ? RunAsync("runuser", $"-u postgres -- {Path.Combine(_binDir, tool)} {args}") : RunAsync(Path.Combine(_binDir, tool), args);

    private static async Task RunAsync(string file, string args)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(90)).ConfigureAwait(false);
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {args} failed ({p.ExitCode}): {await stdout.ConfigureAwait(false)} {await stderr.ConfigureAwait(false)}");
        }
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "postgres";
}
