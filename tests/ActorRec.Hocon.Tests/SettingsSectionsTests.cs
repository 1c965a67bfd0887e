using ActorRec.Hocon.Settings;

namespace ActorRec.Hocon.Tests;

public sealed class SettingsSectionsTests
{
    [Fact]
    public void UncommentedKeys_lists_exactly_the_keys_without_a_comment_line_directly_above()
    {
        const string text = """
            # the module
            m {
              # commented
              a = 1
              b = 2

              // slash comment
              c { d = 3 }
              # commented, but a blank line follows

              e = 4
              f = [1,
                2]
              # empty map
              g {}
              h {}
              "x.y" = 5
            }
            """;
        Assert.Equal(["m.b", "m.e", "m.f", "m.h", "m.\"x.y\""], ReferenceConf.UncommentedKeys(text));
    }

    [Fact]
    public void UncommentedKeys_in_group_mode_accepts_paragraphs_under_a_comment()
    {
        const string text = """
            # the module
            m {
              # two keys described together
              a = 1
              b = 2

              c = 3
              sub {
                d = 4
              }
            }
            """;
        Assert.Equal(["m.b", "m.c", "m.sub.d"], ReferenceConf.UncommentedKeys(text));
        Assert.Equal(["m.c", "m.sub.d"], ReferenceConf.UncommentedKeys(text, allowCommentedGroups: true));
    }

    [Fact]
    public void LeafPaths_walks_nested_objects_in_document_order()
    {
        var root = ConfigFactory.ParseString("a { b = 1, c { d = x } }, e = [1], f {}").Root;
        Assert.Equal(["a.b", "a.c.d", "e", "f"], ReferenceConf.LeafPaths(root).Select(l => l.Path));
    }

    [Fact]
    public void GetSection_and_GetFlag_name_the_full_path()
    {
        var config = ConfigFactory.ParseString("m { on = yes, bad = 3, leaf = 1 }").Resolve();
        var section = config.GetSection("m");
        Assert.True(section.GetFlag("on"));
        Assert.Equal("m.bad", Assert.Throws<SettingsException>(() => section.GetFlag("bad")).Path);
        Assert.Equal("m.none", Assert.Throws<SettingsException>(() => section.GetFlag("none")).Path);
        Assert.Equal("n", Assert.Throws<SettingsException>(() => config.GetSection("n")).Path);
        Assert.Equal("m.leaf", Assert.Throws<SettingsException>(() => config.GetSection("m.leaf")).Path);
    }

    [Fact]
    public void RejectUnknownKeys_names_the_first_unknown_leaf_and_accepts_known_maps()
    {
        var section = ConfigFactory.ParseString("m { a = 1, map { x = 1, y { z = 2 } }, typo = 3 }").Resolve().GetSection("m");
        var ex = Assert.Throws<SettingsException>(() => section.RejectUnknownKeys(["a", "map"]));
        Assert.Equal("m.typo", ex.Path);
        Assert.Contains("a, map", ex.Problem, StringComparison.Ordinal);
        Assert.NotNull(ex.Origin);
        section.RejectUnknownKeys(["a", "map", "typo"]);
        Assert.Throws<SettingsException>(() => section.RejectUnknownKeys(["a", "ma", "typo"]));
    }

    [Fact]
    public void Build_turns_an_ArgumentException_into_a_SettingsException_on_the_named_key()
    {
        var section = ConfigFactory.ParseString("m {\n  size = 7\n}").Resolve().GetSection("m");
        var ex = Assert.Throws<SettingsException>(() => section.Build<int>(() => throw new ArgumentException("too big", "size")));
        Assert.Equal("m.size", ex.Path);
        Assert.Equal(2, ex.Origin?.Line);
        Assert.Contains("too big", ex.Message, StringComparison.Ordinal);

        var mapped = Assert.Throws<SettingsException>(() => section.Build<int>(() => throw new ArgumentException("bad", "Size"), e => e.ParamName?.ToLowerInvariant()));
        Assert.Equal("m.size", mapped.Path);

        var whole = Assert.Throws<SettingsException>(() => section.Build<int>(() => throw new ArgumentException("inconsistent")));
        Assert.Equal("m", whole.Path);
        Assert.Equal(7, section.Build(() => 7));
    }

    [Fact]
    public void Sizes_and_lists_validate_and_name_the_path_or_element()
    {
        var section = ConfigFactory.ParseString("m { size = 4MiB, tiny = 10, roles = [a, b], empty = [], nums = [1, x] }").Resolve().GetSection("m");
        Assert.Equal(4L << 20, section.GetBytesInRange("size", 1024, int.MaxValue));
        Assert.Equal("m.tiny", Assert.Throws<SettingsException>(() => section.GetBytesInRange("tiny", 1024, int.MaxValue)).Path);
        Assert.Equal("m.roles", Assert.Throws<SettingsException>(() => section.GetBytesInRange("roles", 1, 2)).Path);
        Assert.Equal(["a", "b"], section.GetStrings("roles"));
        Assert.Empty(section.GetStrings("empty"));
        Assert.Equal("m.size", Assert.Throws<SettingsException>(() => section.GetStrings("size")).Path);
        Assert.Equal("m.nums[1]", Assert.Throws<SettingsException>(() => section.GetInts("nums")).Path);
    }
}
