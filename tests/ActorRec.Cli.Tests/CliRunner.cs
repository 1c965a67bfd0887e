using System.Diagnostics;

namespace ActorRec.Cli.Tests;

/// <summary>Runs <c>actorrec</c> in-process (Program's entry with redirected writers) or as a real child process.</summary>
internal static class CliRunner
{
    public static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    /// <summary>In-process: the same parser and verbs as the executable, with captured output.</summary>
    public static async Task<CliResult> RunAsync(string workingDirectory, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var context = new CliContext(output, error, workingDirectory, new Dictionary<string, string>());
        var exit = await CliApp.InvokeAsync(args, context).WaitAsync(Guard);
        return new CliResult(exit, output.ToString(), error.ToString());
    }

    /// <summary>The built executable (actorrec.dll beside the tests, copied by the project reference).</summary>
    public static string ExecutablePath
    {
        get
        {
            var path = Path.Combine(AppContext.BaseDirectory, "actorrec.dll");
            Assert.True(File.Exists(path), $"actorrec.dll not found at {path}");
            return path;
        }
    }

    /// <summary>Starts <c>dotnet actorrec.dll ARGS</c> with redirected output in <paramref name="workingDirectory"/>.</summary>
    public static Process Start(string workingDirectory, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(ExecutablePath);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        return Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet");
    }

    /// <summary>Runs the executable to completion.</summary>
    public static async Task<CliResult> RunProcessAsync(string workingDirectory, params string[] args)
    {
        using var process = Start(workingDirectory, args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(Guard);
        return new CliResult(process.ExitCode, await stdout, await stderr);
    }
}

internal sealed record CliResult(int ExitCode, string Output, string Error);

/// <summary>A temporary working directory, deleted on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = Directory.CreateTempSubdirectory("actorrec-cli-").FullName;
    }

    public string Path { get; }

    public string Write(string relativePath, string text)
    {
        var full = System.IO.Path.Combine(Path, relativePath);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text);
        return full;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
