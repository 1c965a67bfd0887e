using ActorRec.Cli.Configuration;

namespace ActorRec.Cli.Tests;

public sealed class NodeConfigTests
{
    [Fact]
    public void The_node_config_includes_every_module_reference()
    {
        using var dir = new TempDir();
        var context = new CliContext(new StringWriter(), new StringWriter(), dir.Path, new Dictionary<string, string>());
        var node = NodeConfig.Load(null, context);

        foreach (var section in new[] { "actorrec.http", "actorrec.logging", "actorrec.actors", "actorrec.persistence", "actorrec.compute" })
        {
            Assert.True(node.Config.HasPath(section), section);
        }

        Assert.Equal(5080, node.Server.HttpPort);
    }

    [Fact]
    public void The_users_file_wins_over_the_references()
    {
        using var dir = new TempDir();
        var file = dir.Write("node.conf", "actorrec { http.port = 6123, persistence.plugin = inmem }\n");
        var context = new CliContext(new StringWriter(), new StringWriter(), dir.Path, new Dictionary<string, string>());
        var node = NodeConfig.Load(file, context);

        Assert.Equal(6123, node.Server.HttpPort);
        Assert.Equal("inmem", node.Config.GetString("actorrec.persistence.plugin"));
    }
}
