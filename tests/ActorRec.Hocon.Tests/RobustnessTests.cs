using FsCheck;
using FsCheck.Fluent;

namespace ActorRec.Hocon.Tests;

/// <summary>Whatever the input, parsing and resolving end in a value or a <see cref="HoconException"/>, never another exception.</summary>
public sealed class RobustnessTests
{
    private static readonly string[] Fragments =
    [
        "a", "b.c", "\"q\"", "\"\"\"t\"\"\"", "=", ":", "+=", "{", "}", "[", "]", ",", "\n", " ", "${a}", "${?b.c}", "${",
        "1", "-2.5e3", "true", "null", "include", "include \"x.conf\"", "required(", "file(", ")", "#c\n", "//c\n", "\\", "$",
        "10s", "\"\\u00e9\"", "\"\\q\"", "\u00a0", "\uFEFF", "\r\n", ".", "..",
    ];

    [Fact]
    public void Random_token_soup_never_throws_anything_but_hocon_exception()
    {
        var soup = Gen.Elements(Fragments).ListOf().Select(parts => string.Concat(parts));
        var property = Prop.ForAll(soup.ToArbitrary(), text => ParsesOrFailsCleanly(text));
        Check.One(FsCheck.Config.QuickThrowOnFailure.WithMaxTest(2000), property);
    }

    [Fact]
    public void Random_strings_never_throw_anything_but_hocon_exception()
    {
        var property = Prop.ForAll(ArbMap.Default.ArbFor<string>(), text => ParsesOrFailsCleanly(text ?? ""));
        Check.One(FsCheck.Config.QuickThrowOnFailure.WithMaxTest(1000), property);
    }

    [Fact]
    public void Very_deep_nesting_is_rejected_cleanly()
    {
        var e = Hocon.Error("a = " + new string('[', 100_000));
        Assert.Contains("nest more than", e.Reason, StringComparison.Ordinal);
        Assert.Equal(2, Hocon.Resolve("a = " + new string('[', 400) + new string(']', 400) + "\nb = 2").GetInt("b"));
    }

    private static bool ParsesOrFailsCleanly(string text)
    {
        try
        {
            var config = Hocon.Resolve(text);
            _ = config.Render(json: true);
            return true;
        }
        catch (HoconException)
        {
            return true;
        }
    }
}
