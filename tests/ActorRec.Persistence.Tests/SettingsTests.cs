namespace ActorRec.Persistence.Tests;

public sealed class SettingsTests
{
    [Fact]
    public void Defaults_match_reference_conf_and_every_key_is_commented()
    {
        PersistenceSettings s = PersistenceSettings.Create();
        Assert.Equal(PersistencePlugin.Sqlite, s.Plugin);
        Assert.True(s.SqliteSynchronousFull);
        Assert.Equal(8192, s.MaxBatchRows);
        string conf = PersistenceSettings.ReferenceConfig();
        string[] lines = conf.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].Trim();
            if (line.Contains('=', StringComparison.Ordinal) && !line.StartsWith('#'))
            {
                Assert.StartsWith("#", lines[i - 1].Trim());
            }
        }

        Assert.Contains("synchronous = full", conf, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("plugin")]
    [InlineData("group-commit.max-batch")]
    [InlineData("sqlite.synchronous")]
    [InlineData("postgres.connection-string")]
    public void Bad_values_name_the_key(string key)
    {
        ArgumentException ex = key switch
        {
            "plugin" => Assert.Throws<ArgumentException>(() => PersistenceSettings.Create(plugin: "mongo")),
            "group-commit.max-batch" => Assert.Throws<ArgumentException>(() => PersistenceSettings.Create(maxBatchRows: 0)),
            "sqlite.synchronous" => Assert.Throws<ArgumentException>(() => PersistenceSettings.Create(sqliteSynchronous: "off")),
            _ => Assert.Throws<ArgumentException>(() => PersistenceSettings.Create(plugin: "postgres")),
        };
        Assert.Contains("actorrec.persistence." + key, ex.Message, StringComparison.Ordinal);
    }
}
