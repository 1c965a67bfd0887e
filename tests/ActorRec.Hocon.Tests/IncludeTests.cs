namespace ActorRec.Hocon.Tests;

public sealed class IncludeTests
{
    [Fact]
    public void Includes_resolve_relative_to_the_including_file_in_every_form()
    {
        using var dir = new TempDir();
        dir.Write("conf/a.conf", "a = 1\ninclude \"deeper/b.conf\"");
        dir.Write("conf/deeper/b.conf", "b = 2");
        dir.Write("conf/c.conf", "c = 3");
        dir.Write("conf/d.conf", "d = 4");
        var main = dir.Write("main.conf", """
            include "conf/a.conf"
            include file("conf/c.conf")
            include required(file("conf/d.conf"))
            include required("conf/c.conf")
            include "conf/missing.conf"
            include file("conf/missing")
            """);
        Assert.Equal("""{"a":1,"b":2,"c":3,"d":4}""", ConfigFactory.ParseFile(main).Resolve().Render(json: true, indent: false));
    }

    [Fact]
    public void Missing_required_include_fails_at_the_include()
    {
        using var dir = new TempDir();
        var main = dir.Write("main.conf", "a = 1\ninclude required(file(\"nope.conf\"))");
        var e = Assert.Throws<HoconException>(() => ConfigFactory.ParseFile(main));
        Assert.Equal(2, e.Line);
        Assert.Contains("required include \"nope.conf\" not found", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Include_inside_an_object_lands_under_it_and_its_substitutions_are_relative()
    {
        using var dir = new TempDir();
        dir.Write("part.conf", "x = 10\ny = ${x}\nz = ${top}\nlist += 1");
        var main = dir.Write("main.conf", "top = T\nsection { include \"part.conf\"\n  list += 2 }");
        Assert.Equal("""{"top":"T","section":{"x":10,"y":10,"z":"T","list":[1,2]}}""", ConfigFactory.ParseFile(main).Resolve().Render(json: true, indent: false));
    }

    [Fact]
    public void Include_cycles_are_errors()
    {
        using var dir = new TempDir();
        dir.Write("a.conf", "include \"b.conf\"");
        dir.Write("b.conf", "include \"a.conf\"");
        var e = Assert.Throws<HoconException>(() => ConfigFactory.ParseFile(Path.Combine(dir.Path, "a.conf")));
        Assert.Contains("include cycle: a.conf -> b.conf -> a.conf", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Extensionless_include_merges_conf_over_json_over_properties()
    {
        using var dir = new TempDir();
        dir.Write("x.properties", "p = prop\nshared = prop");
        dir.Write("x.json", """{"j": 1, "shared": "json"}""");
        dir.Write("x.conf", "c = 2\nshared = conf");
        var main = dir.Write("main.conf", "include \"x\"");
        Assert.Equal("""{"p":"prop","shared":"conf","j":1,"c":2}""", ConfigFactory.ParseFile(main).Resolve().Render(json: true, indent: false));
    }

    [Fact]
    public void Parse_string_includes_start_from_the_base_directory()
    {
        using var dir = new TempDir();
        dir.Write("inc.conf", "v = 5");
        var config = ConfigFactory.ParseString("include \"inc.conf\"", new HoconParseOptions { BaseDirectory = dir.Path }).Resolve();
        Assert.Equal(5, config.GetInt("v"));
    }

    [Fact]
    public void Classpath_and_url_includes_are_rejected_with_a_clear_message()
    {
        var e = Hocon.Error("include classpath(\"x.conf\")");
        Assert.Contains("classpath(\"x.conf\") includes are not supported", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void The_include_name_may_follow_on_a_later_line()
    {
        using var dir = new TempDir();
        dir.Write("x.conf", "x = 1");
        var main = dir.Write("main.conf", "s {\n  include   \n\n   \"x.conf\"\n}");
        Assert.Equal(1, ConfigFactory.ParseFile(main).Resolve().GetInt("s.x"));
    }
}
