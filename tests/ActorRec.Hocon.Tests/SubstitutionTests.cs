namespace ActorRec.Hocon.Tests;

public sealed class SubstitutionTests
{
    [Fact]
    public void Required_substitution_takes_the_final_value_of_the_path()
    {
        Assert.Equal("""{"a":{"b":2},"c":2,"d":"x-2-y"}""", Hocon.Json("a.b = 1\nc = ${a.b}\nd = x-${a.b}-y\na.b = 2"));
    }

    [Fact]
    public void Substituted_objects_and_arrays_are_copied()
    {
        Assert.Equal("""{"base":{"x":1},"copy":{"x":1,"y":2},"list":[1,2],"more":[1,2,3]}""",
            Hocon.Json("base { x = 1 }\ncopy = ${base} { y = 2 }\nlist = [1, 2]\nmore = ${list} [3]"));
    }

    [Fact]
    public void Undefined_optional_substitution_drops_the_field_or_keeps_the_earlier_value()
    {
        Assert.Equal("""{"b":1}""", Hocon.Json("a = ${?nope}\nb = 1\nb = ${?nope}"));
    }

    [Fact]
    public void Environment_is_the_fallback_only_when_passed_in()
    {
        var env = new Dictionary<string, string> { ["ACTORREC_TEST_PORT"] = "9000" };
        Assert.Equal(9000, Hocon.Resolve("port = 5080\nport = ${?ACTORREC_TEST_PORT}", env).GetInt("port"));
        Assert.Equal(5080, Hocon.Resolve("port = 5080\nport = ${?ACTORREC_TEST_PORT}").GetInt("port"));
        Assert.Equal("9000", Hocon.Resolve("p = ${ACTORREC_TEST_PORT}", env).GetString("p"));
    }

    [Fact]
    public void The_process_environment_is_not_read_unless_given()
    {
        var name = "ACTORREC_HOCON_TEST_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(name, "from-process");
        try
        {
            Hocon.Error($"a = ${{{name}}}");
            var viaProcess = ConfigFactory.ParseString($"a = ${{{name}}}").Resolve(ConfigFactory.ProcessEnvironment());
            Assert.Equal("from-process", viaProcess.GetString("a"));
        }
        finally
        {
            Environment.SetEnvironmentVariable(name, null);
        }
    }

    [Fact]
    public void Self_referential_string_append_uses_the_environment_when_nothing_is_below()
    {
        var env = new Dictionary<string, string> { ["PATH"] = "/usr/bin" };
        Assert.Equal("/usr/bin:/opt/bin", Hocon.Resolve("PATH = ${PATH}\":/opt/bin\"", env).GetString("PATH"));
        Assert.Equal("/bin:/opt/bin", Hocon.Resolve("path = /bin\npath = ${path}\":/opt/bin\"").GetString("path"));
    }

    [Fact]
    public void Optional_self_reference_appends_or_starts_fresh()
    {
        Assert.Equal("""{"a":[1]}""", Hocon.Json("a = ${?a} [1]"));
        Assert.Equal("""{"a":[0,1]}""", Hocon.Json("a = [0]\na = ${?a} [1]"));
    }

    [Fact]
    public void Plus_equals_inside_an_object_built_on_a_substitution_sees_the_substituted_value()
    {
        Assert.Equal("""{"d":{"x":[0]},"c":{"x":[0,1,2]}}""", Hocon.Json("d { x = [0] }\nc = ${d}\nc { x += 1, x += 2 }"));
    }

    [Fact]
    public void Siblings_inside_an_object_over_a_substitution_see_final_values()
    {
        Assert.Equal("""{"a":{"q":1,"y":1,"z":1},"b":{"q":1}}""", Hocon.Json("a = ${b}\na { y = 1, z = ${a.y} }\nb { q = 1 }"));
    }

    [Fact]
    public void Cycles_are_reported_with_the_chain()
    {
        var e = Hocon.Error("a = ${b}\nb = ${c}\nc = ${a}");
        Assert.Contains("cycle", e.Message, StringComparison.Ordinal);
        Assert.Contains("${b}", e.Message, StringComparison.Ordinal);
        Assert.Equal("test.conf", e.File);
    }

    [Fact]
    public void An_object_that_contains_itself_is_a_cycle()
    {
        var e = Hocon.Error("a { b = ${a} }");
        Assert.Contains("cycle", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Undefined_required_substitution_names_the_path_and_position()
    {
        var e = Hocon.Error("a = 1\nb = ${missing.key}");
        Assert.Equal("test.conf:2:5: could not resolve substitution ${missing.key}: 'missing.key' is not defined in the config", e.Message);
        Assert.Equal("missing.key", e.Path);
    }

    [Fact]
    public void With_fallback_layers_configs_and_substitutions_see_the_merged_tree()
    {
        var user = ConfigFactory.ParseString("http.port = 9000\nurl = \"http://\"${http.host}\":\"${http.port}");
        var reference = ConfigFactory.ParseString("http { host = localhost, port = 80 }\nretries = 3");
        var merged = user.WithFallback(reference).Resolve();
        Assert.Equal("http://localhost:9000", merged.GetString("url"));
        Assert.Equal(3, merged.GetInt("retries"));
        Assert.False(user.IsResolved);
        Assert.False(reference.Root.ContainsKey("url"));
    }

    [Fact]
    public void Getters_on_an_unresolved_config_ask_for_resolve()
    {
        var config = ConfigFactory.ParseString("a = ${b}\nb = 1");
        var e = Assert.Throws<HoconException>(() => config.GetInt("a"));
        Assert.Contains("Resolve()", e.Message, StringComparison.Ordinal);
    }
}
