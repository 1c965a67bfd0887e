namespace ActorRec.Hocon.Tests;

/// <summary>
/// Finds ../shared/hocon-suite: ACTORREC_SHARED first, then every directory from the test assembly upwards,
/// looking for shared/hocon-suite inside it (the repo's parent holds shared/ beside the repo).
/// </summary>
internal static class SuiteLocator
{
    public static string? FindShared(string relative)
    {
        var fromEnv = Environment.GetEnvironmentVariable("ACTORREC_SHARED");
        if (!string.IsNullOrEmpty(fromEnv))
        {
            var candidate = Path.Combine(fromEnv, relative);
            if (Directory.Exists(candidate) || File.Exists(candidate))
            {
                return candidate;
            }
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", relative);
            if (Directory.Exists(candidate) || File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>The suite folder, or a failed assertion explaining where it was looked for.</summary>
    public static string RequireSuite()
    {
        var suite = FindShared("hocon-suite");
        Assert.True(
            suite is not null,
            "HOCON conformance suite not found: expected shared/hocon-suite beside the repository (../shared relative to the repo root) "
            + "or under $ACTORREC_SHARED; searched upwards from " + AppContext.BaseDirectory);
        return suite!;
    }

    /// <summary>The repository root (the folder holding ActorRec.sln), walking up from the test assembly.</summary>
    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ActorRec.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("repository root (ActorRec.sln) not found above " + AppContext.BaseDirectory);
    }
}
