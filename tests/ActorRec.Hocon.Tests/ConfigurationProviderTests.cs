using ActorRec.Hocon.Configuration;
using Microsoft.Extensions.Configuration;

namespace ActorRec.Hocon.Tests;

public sealed class ConfigurationProviderTests
{
    [Fact]
    public void Hocon_flattens_to_colon_keys_with_array_indexes()
    {
        var configuration = new ConfigurationBuilder()
            .AddHoconString("""
                a.b.c = 1
                list = [x, { k = v }]
                logging.overrides { "Microsoft.AspNetCore" = warning }
                n = null
                t = true
                """)
            .Build();
        Assert.Equal("1", configuration["a:b:c"]);
        Assert.Equal("x", configuration["list:0"]);
        Assert.Equal("v", configuration["list:1:k"]);
        Assert.Equal("warning", configuration["logging:overrides:Microsoft.AspNetCore"]);
        Assert.Null(configuration["n"]);
        Assert.Equal("true", configuration["t"]);
        Assert.Equal(2, configuration.GetSection("list").GetChildren().Count());
    }

    [Fact]
    public void A_file_source_resolves_with_the_given_environment()
    {
        using var dir = new TempDir();
        var file = dir.Write("app.conf", "http.port = 5080\nhttp.port = ${?PORT}\n");
        var configuration = new ConfigurationBuilder()
            .AddHocon(file, environment: new Dictionary<string, string> { ["PORT"] = "7000" })
            .Build();
        Assert.Equal("7000", configuration["http:port"]);
    }

    [Fact]
    public void An_optional_missing_file_gives_no_keys_and_a_required_one_fails()
    {
        var optional = new ConfigurationBuilder().AddHocon("/no/such/app.conf", optional: true).Build();
        Assert.Empty(optional.AsEnumerable());
        Assert.Throws<HoconException>(() => new ConfigurationBuilder().AddHocon("/no/such/app.conf").Build());
    }

    [Fact]
    public void A_parsed_config_can_be_added_and_layered_with_other_sources()
    {
        var configuration = new ConfigurationBuilder()
            .AddHocon(ConfigFactory.ParseString("a = 1\nb = 2"))
            .AddInMemoryCollection(new Dictionary<string, string?> { ["b"] = "3" })
            .Build();
        Assert.Equal("1", configuration["a"]);
        Assert.Equal("3", configuration["b"]);
    }
}
