using System.Text.Json;
using Xunit.Abstractions;

namespace ActorRec.Hocon.Tests;

/// <summary>
/// Runs ../shared/hocon-suite: every case of cases.jsonl (with its typed checks) and every lightbend
/// equivNN directory, printing the pass counts and listing every failure by name.
/// </summary>
public sealed class ConformanceTests(ITestOutputHelper output)
{
    private const int ExpectedCases = 157;
    private const int ExpectedEquivVariants = 15;

    [Fact]
    public void Every_case_of_cases_jsonl_passes()
    {
        var suite = SuiteLocator.RequireSuite();
        var lines = File.ReadAllLines(Path.Combine(suite, "cases.jsonl")).Where(l => l.Trim().Length > 0).ToList();
        var failures = new List<string>();
        var passed = 0;
        foreach (var line in lines)
        {
            using var doc = JsonDocument.Parse(line);
            var c = doc.RootElement;
            var name = c.GetProperty("name").GetString()!;
            var failure = RunCase(c);
            if (failure is null)
            {
                passed++;
            }
            else
            {
                failures.Add($"{name}: {failure}");
            }
        }

        output.WriteLine($"cases.jsonl: {passed}/{lines.Count} passed");
        foreach (var f in failures)
        {
            output.WriteLine("FAIL " + f);
        }

        Assert.Equal(ExpectedCases, lines.Count);
        Assert.True(failures.Count == 0, $"{passed}/{lines.Count} passed; failures:\n" + string.Join("\n", failures));
    }

    [Fact]
    public void Every_lightbend_equiv_directory_passes()
    {
        var suite = SuiteLocator.RequireSuite();
        var dirs = Directory.GetDirectories(Path.Combine(suite, "lightbend"), "equiv*").Order(StringComparer.Ordinal).ToList();
        var failures = new List<string>();
        var variants = 0;
        var passed = 0;
        foreach (var dir in dirs)
        {
            var files = Directory.GetFiles(dir).Select(Path.GetFileName).OfType<string>().ToList();
            var original = files.Single(f => f.StartsWith("original.", StringComparison.Ordinal));
            var expected = ConfigFactory.ParseFile(Path.Combine(dir, original)).Resolve(new Dictionary<string, string>());
            foreach (var file in files.Where(f => f != original && (f.EndsWith(".conf", StringComparison.Ordinal) || f.EndsWith(".json", StringComparison.Ordinal))).Order(StringComparer.Ordinal))
            {
                variants++;
                var label = $"{Path.GetFileName(dir)}/{file}";
                var problem = CompareVariant(Path.Combine(dir, file), null, expected);
                if (problem is null && file.EndsWith(".json", StringComparison.Ordinal))
                {
                    problem = CompareVariant(Path.Combine(dir, file), HoconSyntax.Conf, expected);
                    problem = problem is null ? null : "(parsed as HOCON) " + problem;
                }

                if (problem is null)
                {
                    passed++;
                }
                else
                {
                    failures.Add($"{label}: {problem}");
                }
            }
        }

        output.WriteLine($"equiv: {passed}/{variants} variants passed in {dirs.Count} directories");
        foreach (var f in failures)
        {
            output.WriteLine("FAIL " + f);
        }

        Assert.Equal(5, dirs.Count);
        Assert.Equal(ExpectedEquivVariants, variants);
        Assert.True(failures.Count == 0, $"{passed}/{variants} passed; failures:\n" + string.Join("\n", failures));
    }

    private static string? CompareVariant(string path, HoconSyntax? syntax, Config expected)
    {
        try
        {
            var actual = ConfigFactory.ParseFile(path, new HoconParseOptions { Syntax = syntax }).Resolve(new Dictionary<string, string>());
            return HoconValue.ValueEquals(actual.Root, expected.Root)
                ? null
                : $"got {actual.Render(json: true, indent: false)}";
        }
        catch (HoconException e)
        {
            return "error: " + e.Message;
        }
    }

    private static string? RunCase(JsonElement c)
    {
        var dir = Directory.CreateTempSubdirectory("hocon-case-");
        try
        {
            var main = Path.Combine(dir.FullName, "main.conf");
            File.WriteAllText(main, c.GetProperty("hocon").GetString());
            if (c.TryGetProperty("files", out var files))
            {
                foreach (var f in files.EnumerateObject())
                {
                    var target = Path.Combine(dir.FullName, f.Name);
                    Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                    File.WriteAllText(target, f.Value.GetString());
                }
            }

            var env = new Dictionary<string, string>(StringComparer.Ordinal);
            if (c.TryGetProperty("env", out var envElement))
            {
                foreach (var e in envElement.EnumerateObject())
                {
                    env[e.Name] = e.Value.GetString()!;
                }
            }

            var wantError = c.TryGetProperty("error", out var err) && err.GetBoolean();
            Config config;
            try
            {
                config = ConfigFactory.ParseFile(main).Resolve(env);
            }
            catch (HoconException e)
            {
                return wantError ? null : "unexpected error: " + e.Message;
            }

            if (wantError)
            {
                return "expected an error, got " + config.Render(json: true, indent: false);
            }

            var diff = JsonCompare.Difference(config.Root, c.GetProperty("expected_json"));
            if (diff is not null)
            {
                return diff + " — whole result " + config.Render(json: true, indent: false);
            }

            return c.TryGetProperty("checks", out var checks) ? RunChecks(config, checks) : null;
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static string? RunChecks(Config config, JsonElement checks)
    {
        foreach (var check in checks.EnumerateArray())
        {
            var path = check.GetProperty("path").GetString()!;
            var get = check.GetProperty("get").GetString()!;
            var expectError = check.TryGetProperty("expect_error", out var ee) && ee.GetBoolean();
            object actual;
            try
            {
                actual = Get(config, path, get);
            }
            catch (HoconException e)
            {
                if (expectError)
                {
                    continue;
                }

                return $"check {get}({path}) failed: {e.Message}";
            }

            if (expectError)
            {
                return $"check {get}({path}) should fail, got {actual}";
            }

            var expected = check.GetProperty("expected");
            if (!CheckEquals(actual, expected))
            {
                return $"check {get}({path}): expected {expected.GetRawText()}, got {Show(actual)}";
            }
        }

        return null;
    }

    private static object Get(Config config, string path, string get) => get switch
    {
        "string" => config.GetString(path),
        "int" => config.GetInt(path),
        "long" => config.GetLong(path),
        "double" => config.GetDouble(path),
        "boolean" => config.GetBoolean(path),
        "duration_ms" => config.GetDurationNanoseconds(path) / 1_000_000,
        "duration_ns" => config.GetDurationNanoseconds(path),
        "duration_ms_list" => config.GetDurationNanosecondsList(path).Select(n => n / 1_000_000).ToList(),
        "bytes" => config.GetBytes(path),
        "bytes_list" => config.GetBytesList(path).ToList(),
        _ => throw new InvalidOperationException("unknown check kind " + get),
    };

    private static bool CheckEquals(object actual, JsonElement expected) => actual switch
    {
        string s => expected.ValueKind == JsonValueKind.String && s == expected.GetString(),
        bool b => expected.ValueKind is JsonValueKind.True or JsonValueKind.False && b == expected.GetBoolean(),
        int i => expected.ValueKind == JsonValueKind.Number && expected.TryGetInt64(out var l) && l == i,
        long l2 => expected.ValueKind == JsonValueKind.Number && expected.TryGetInt64(out var l3) && l3 == l2,
        double d => expected.ValueKind == JsonValueKind.Number && expected.GetDouble().Equals(d),
        List<long> list => expected.ValueKind == JsonValueKind.Array && list.SequenceEqual(expected.EnumerateArray().Select(e => e.GetInt64())),
        _ => false,
    };

    private static string Show(object o) => o is List<long> l ? "[" + string.Join(", ", l) + "]" : o.ToString() ?? "null";
}
