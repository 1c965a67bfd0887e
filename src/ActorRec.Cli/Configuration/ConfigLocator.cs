namespace ActorRec.Cli.Configuration;

/// <summary>Finds the config file a verb uses when <c>--config</c> is not given.</summary>
public static class ConfigLocator
{
    /// <summary>The shipped config, relative to the working directory or to the executable.</summary>
    public const string DefaultRelativePath = "hocon/actorrec.conf";

    /// <summary>
    /// Returns the explicit file (which must exist), else <c>hocon/actorrec.conf</c> under the working directory,
    /// else beside the executable, else null (built-in defaults only).
    /// </summary>
    public static string? Resolve(string? explicitPath, CliContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (explicitPath is not null)
        {
            var full = Path.GetFullPath(explicitPath, context.WorkingDirectory);
            return File.Exists(full) ? full : throw new UsageException($"config file not found: {explicitPath}");
        }

        foreach (var baseDir in new[] { context.WorkingDirectory, AppContext.BaseDirectory })
        {
            var candidate = Path.GetFullPath(DefaultRelativePath, baseDir);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
