namespace ActorRec.Hocon.Tests;

public sealed class SyntaxTests
{
    [Fact]
    public void Comments_with_hash_and_double_slash_are_ignored_but_not_inside_quotes()
    {
        const string text = """
            a = 1 # one
            // whole line
            b = "x // y # z" // trailing
            c = http/path
            """;
        Assert.Equal("""{"a":1,"b":"x // y # z","c":"http/path"}""", Hocon.Json(text));
    }

    [Fact]
    public void Unquoted_strings_concatenate_with_their_inner_whitespace()
    {
        Assert.Equal("""{"a":"hello big   world","b":"true 1.5 null"}""", Hocon.Json("a = hello big   world  \nb = true 1.5 null"));
    }

    [Fact]
    public void Quoted_strings_decode_json_escapes()
    {
        Assert.Equal("tab\there \"q\" \u00e9 \\", Hocon.Resolve("""a = "tab\there \"q\" \u00e9 \\" """).GetString("a"));
    }

    [Fact]
    public void Triple_quoted_strings_keep_newlines_and_backslashes()
    {
        var config = Hocon.Resolve("a = \"\"\"line1\n  line2\\n\"\"\"");
        Assert.Equal("line1\n  line2\\n", config.GetString("a"));
    }

    [Fact]
    public void Later_objects_merge_into_earlier_and_non_objects_replace()
    {
        const string text = """
            a { x = 1, y { p = 1 } }
            a { y { q = 2 }, z = 3 }
            b { x = 1 }
            b = 7
            c = 7
            c { x = 1 }
            """;
        Assert.Equal("""{"a":{"x":1,"y":{"p":1,"q":2},"z":3},"b":7,"c":{"x":1}}""", Hocon.Json(text));
    }

    [Fact]
    public void Path_expressions_build_nested_objects_and_quoted_keys_keep_dots()
    {
        const string text = """
            a.b.c = 1
            a.b.d = 2
            "x.y".z = 3
            logging.overrides."Microsoft.AspNetCore" = warning
            """;
        var config = Hocon.Resolve(text);
        Assert.Equal("""{"a":{"b":{"c":1,"d":2}},"x.y":{"z":3},"logging":{"overrides":{"Microsoft.AspNetCore":"warning"}}}""", config.Render(json: true, indent: false));
        Assert.Equal("warning", config.GetString("logging.overrides.\"Microsoft.AspNetCore\""));
        Assert.Equal(3, config.GetInt("\"x.y\".z"));
    }

    [Fact]
    public void Arrays_accept_commas_newlines_and_a_trailing_comma()
    {
        Assert.Equal("""{"a":[1,2,3],"b":["x","y"],"c":[]}""", Hocon.Json("a = [1, 2, 3,]\nb = [\n x\n y\n]\nc = []"));
    }

    [Fact]
    public void Value_concatenation_joins_arrays_and_merges_objects()
    {
        Assert.Equal("""{"a":[1,2,3],"b":{"x":1,"y":2}}""", Hocon.Json("a = [1] [2, 3]\nb = { x = 1 } { y = 2 }"));
    }

    [Fact]
    public void Plus_equals_appends_to_an_array_or_starts_one()
    {
        Assert.Equal("""{"a":[1,2],"b":["x"]}""", Hocon.Json("a = [1]\na += 2\nb += x"));
    }

    [Fact]
    public void Numbers_keep_their_text_and_are_exact_to_64_bits()
    {
        var config = Hocon.Resolve("big = 9223372036854775807\nneg = -9223372036854775808\nf = 1.50\ne = 1e3");
        Assert.Equal(long.MaxValue, config.GetLong("big"));
        Assert.Equal(long.MinValue, config.GetLong("neg"));
        Assert.Equal("1.50", config.GetString("f"));
        Assert.Equal(1.5, config.GetDouble("f"));
        Assert.Equal(1000L, config.GetLong("e"));
        var number = Assert.IsType<HoconNumber>(config.GetValue("big"));
        Assert.Equal(long.MaxValue, number.Integer);
    }

    [Fact]
    public void An_integer_beyond_64_bits_is_text_like_the_reference_parser()
    {
        var config = Hocon.Resolve("a = 99999999999999999999");
        Assert.IsType<HoconString>(config.GetValue("a"));
        Assert.Throws<HoconException>(() => config.GetLong("a"));
    }

    [Fact]
    public void Booleans_and_null_are_typed()
    {
        var config = Hocon.Resolve("t = true\nf = false\nn = null\ny = yes\noff = off");
        Assert.True(config.GetBoolean("t"));
        Assert.False(config.GetBoolean("f"));
        Assert.True(config.GetBoolean("y"));
        Assert.False(config.GetBoolean("off"));
        Assert.IsType<HoconNull>(config.GetValue("n"));
        Assert.False(config.HasPath("n"));
        Assert.True(config.HasPathOrNull("n"));
    }

    [Fact]
    public void Root_braces_are_optional_and_json_is_valid_hocon()
    {
        Assert.Equal(Hocon.Json("a = 1\nb { c = [true, null] }"), Hocon.Json("""{"a": 1, "b": {"c": [true, null]}}"""));
    }

    [Fact]
    public void Json_syntax_is_strict()
    {
        Assert.Throws<HoconException>(() => ConfigFactory.ParseString("{ a = 1 }", new HoconParseOptions { Syntax = HoconSyntax.Json }));
        var config = ConfigFactory.ParseString("{\"a\": {\n  \"b\": 12345678901234, \"c\": \"x\"}}", new HoconParseOptions { Syntax = HoconSyntax.Json, OriginName = "a.json" });
        Assert.Equal(12345678901234L, config.Resolve().GetLong("a.b"));
        var e = Assert.Throws<HoconException>(() => config.Resolve().GetInt("a.c"));
        Assert.StartsWith("a.json:2:29: 'a.c': expected int", e.Message, StringComparison.Ordinal);
        var bad = Assert.Throws<HoconException>(() => ConfigFactory.ParseString("{\"a\": 1,}", new HoconParseOptions { Syntax = HoconSyntax.Json, OriginName = "b.json" }));
        Assert.StartsWith("b.json:1:", bad.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Properties_syntax_splits_keys_and_keeps_strings()
    {
        var config = ConfigFactory.ParseString("# c\na.b=1\na.c : two\\\n  lines\n", new HoconParseOptions { Syntax = HoconSyntax.Properties }).Resolve();
        Assert.Equal("""{"a":{"b":"1","c":"twolines"}}""", config.Render(json: true, indent: false));
    }

    [Fact]
    public void Windows_line_endings_and_unicode_spaces_are_whitespace()
    {
        Assert.Equal("""{"a":"x y","b":[1,2]}""", Hocon.Json("a = x y\r\nb = [\r\n  1\r\n  2\r\n]\u00a0\r\n"));
    }

    [Fact]
    public void Empty_and_comment_only_documents_are_empty_objects()
    {
        Assert.Equal("{}", Hocon.Json(""));
        Assert.Equal("{}", Hocon.Json("# nothing\n// here\n"));
        Assert.Equal("{}", Hocon.Json("{ }"));
    }

    [Fact]
    public void A_field_named_include_is_still_a_field()
    {
        Assert.Equal("""{"include":1,"includes":[2]}""", Hocon.Json("include = 1\nincludes = [2]"));
    }

    [Fact]
    public void A_key_followed_by_a_brace_needs_no_separator_and_numbers_become_text_keys()
    {
        Assert.Equal("""{"server":{"10":{"5":true}}}""", Hocon.Json("server { 10.5 = true }"));
    }

    [Fact]
    public void Many_keys_parse_and_resolve()
    {
        var sb = new System.Text.StringBuilder();
        for (var i = 0; i < 5000; i++)
        {
            sb.Append("section.k").Append(i).Append(" = ").Append(i).Append('\n');
            sb.Append("copy.k").Append(i).Append(" = ${section.k").Append(i).Append("}\n");
        }

        var config = Hocon.Resolve(sb.ToString());
        Assert.Equal(4999, config.GetInt("copy.k4999"));
        Assert.Equal(5000, config.GetConfig("copy").Root.Count);
    }
}
