using System.Reflection;
using ActorRec.Hocon;
using ActorRec.Hocon.Settings;
using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Entities;
using ActorRec.Recommender.Exploration;

namespace ActorRec.Recommender.Tests.Domain;

/// <summary><see cref="FeedSettingsReader"/> against the embedded feed.reference.conf and user overrides.</summary>
public sealed class SettingsFromConfigTests
{
    private const string Section = FeedSettings.Path;
    private static readonly Assembly Module = typeof(FeedSettings).Assembly;

    [Fact]
    public void Reference_conf_alone_yields_the_record_defaults()
    {
        var settings = FeedSettingsReader.Read(ConfigLoader.Load((string?)null, null, Module));
        AssertSame(FeedSettings.Default, settings);
    }

    [Fact]
    public void Overrides_in_a_user_file_are_honoured_and_the_rest_keeps_its_defaults()
    {
        var file = Path.Combine(Path.GetTempPath(), $"actorrec-feed-{Guid.NewGuid():N}.conf");
        File.WriteAllText(file, """
            actorrec.feed {
              embedding-dim = 32
              learning.user-learning-rate = 0.05
              user.session-half-life = 5m
              video.promotion-stages = [
                { name = trial, pool-size = 200, min-impressions = 100, min-completion-rate = 0.25, min-share-rate = 0.01 }
                { name = everyone }
              ]
              ranking { batch-window = 1ms, flush-when-idle = off, max-batch = 128 }
              exploration.share = 0.2
              model.weights.like = 3
            }
            """);
        try
        {
            var settings = FeedSettingsReader.Read(ConfigLoader.Load(file, null, Module));
            var d = FeedSettings.Default;
            var expected = d with
            {
                EmbeddingDim = 32,
                Learning = d.Learning with { UserLearningRate = 0.05f },
                User = d.User with { SessionHalfLife = TimeSpan.FromMinutes(5) },
                Video = d.Video with { Promotion = new PromotionSettings([new PromotionStage("trial", 200, 100, 0.25, 0.01), new PromotionStage("everyone", long.MaxValue, long.MaxValue, 0, 0)]) },
                Ranking = d.Ranking with { BatchWindow = TimeSpan.FromMilliseconds(1), FlushWhenIdle = false, MaxBatch = 128 },
                Exploration = d.Exploration with { Share = 0.2 },
                Model = d.Model with { Weights = d.Model.Weights with { Like = 3 } },
            };
            AssertSame(expected, settings);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("embedding-dim", "1")]
    [InlineData("embedding-dim", "wide")]
    [InlineData("limits.max-events-per-batch", "0")]
    [InlineData("limits.max-watch-ms", "-5")]
    [InlineData("learning.user-learning-rate", "0")]
    [InlineData("learning.l2", "0.9")]
    [InlineData("learning.like-weight", "lots")]
    [InlineData("user.session-half-life", "0s")]
    [InlineData("user.session-half-life", "10 fortnights")]
    [InlineData("user.seen-bits-per-generation", "100")]
    [InlineData("video.promotion-stages", "300")]
    [InlineData("video.promotion-stages", "[{ name = all }]")]
    [InlineData("retrieval.oversample", "0.5")]
    [InlineData("retrieval.similar-cache-ttl", "-1s")]
    [InlineData("ranking.batch-window", "0ms")]
    [InlineData("ranking.session-blend", "2")]
    [InlineData("rerank.default-count", "500")]
    [InlineData("rerank.max-per-creator", "1")]
    [InlineData("retrieval.index", "faiss")]
    [InlineData("retrieval.hnsw.m", "1")]
    [InlineData("retrieval.hnsw.ef-construction", "4")]
    [InlineData("retrieval.hnsw.ef-search", "0")]
    [InlineData("retrieval.hnsw.reindex-drift", "1")]
    [InlineData("retrieval.ivf.list-size", "8")]
    [InlineData("retrieval.ivf.probes", "0")]
    [InlineData("retrieval.ivf.rerank", "0.5")]
    [InlineData("entities.passivate-after", "-1s")]
    [InlineData("entities.passivate-after", "soon")]
    [InlineData("entities.snapshot-every", "-3")]
    [InlineData("entities.ranking-actors", "0")]
    [InlineData("entities.ask-timeout", "0s")]
    [InlineData("model.hidden1", "0")]
    [InlineData("model.enabled", "maybe")]
    [InlineData("model.weights.like", "NaN-ish")]
    [InlineData("sparse-table.max-load-factor", "1.5")]
    [InlineData("sparse-table.expiry", "0s")]
    [InlineData("exploration.share", "1.5")]
    [InlineData("diversity.mmr-lambda", "-0.1")]
    [InlineData("trends.buckets", "0")]
    [InlineData("trends.bucket-duration", "0s")]
    public void A_bad_value_throws_naming_the_full_key(string key, string value)
    {
        var config = ConfigFactory.ParseString($"{Section}.{key} = {value}")
            .WithFallback(ConfigLoader.LoadReferences(Module))
            .Resolve();
        var ex = Assert.Throws<SettingsException>(() => FeedSettingsReader.Read(config));
        Assert.Equal($"{Section}.{key}", ex.Path);
        Assert.Contains($"'{Section}.{key}'", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("passivate-after", "-1s")]
    [InlineData("snapshot-every", "ten")]
    [InlineData("ranking-actors", "300")]
    [InlineData("ask-timeout", "0s")]
    public void A_bad_entity_value_throws_naming_the_full_key_when_the_entity_settings_are_read(string key, string value)
    {
        var config = ConfigFactory.ParseString($"{EntitySettings.Path}.{key} = {value}")
            .WithFallback(ConfigLoader.LoadReferences(Module))
            .Resolve();
        Assert.Equal($"{EntitySettings.Path}.{key}", Assert.Throws<SettingsException>(() => FeedSettingsReader.ReadEntities(config)).Path);
    }

    [Fact]
    public void Reference_conf_entities_equal_the_code_defaults_and_overrides_are_honoured()
    {
        Assert.Equal(EntitySettings.Default, FeedSettingsReader.ReadEntities(ConfigLoader.Load((string?)null, null, Module)));
        var config = ConfigFactory.ParseString($"{EntitySettings.Path} {{ passivate-after = 30s, snapshot-every = 50, ranking-actors = 4, ask-timeout = 2s }}")
            .WithFallback(ConfigLoader.LoadReferences(Module))
            .Resolve();
        Assert.Equal(
            EntitySettings.Create(TimeSpan.FromSeconds(30), 4, TimeSpan.FromSeconds(2), 50),
            FeedSettingsReader.ReadEntities(config));
    }

    [Fact]
    public void Reference_conf_retrieval_index_equals_the_code_defaults_and_exact_and_hnsw_are_selectable()
    {
        var defaults = FeedSettingsReader.Read(ConfigLoader.Load((string?)null, null, Module)).Retrieval;
        Assert.Equal(VideoIndexKind.Ivf, defaults.Index);
        Assert.Equal(new RetrievalSettings(), defaults);
        var config = ConfigFactory.ParseString($"{Section}.retrieval.index = exact").WithFallback(ConfigLoader.LoadReferences(Module)).Resolve();
        Assert.Equal(VideoIndexKind.Exact, FeedSettingsReader.Read(config).Retrieval.Index);
        config = ConfigFactory.ParseString($"{Section}.retrieval.index = hnsw").WithFallback(ConfigLoader.LoadReferences(Module)).Resolve();
        Assert.Equal(VideoIndexKind.Hnsw, FeedSettingsReader.Read(config).Retrieval.Index);
    }

    [Fact]
    public void Every_entity_and_index_key_has_its_own_comment_line()
    {
        var text = ReferenceConf.ReadText(Module, FeedSettingsReader.ResourceName);
        var missing = ReferenceConf.UncommentedKeys(text)
            .Where(k => k.StartsWith($"{EntitySettings.Path}.", StringComparison.Ordinal)
                || k.StartsWith($"{Section}.retrieval.hnsw.", StringComparison.Ordinal)
                || k.StartsWith($"{Section}.retrieval.ivf.", StringComparison.Ordinal)
                || k == $"{Section}.retrieval.index");
        Assert.Empty(missing);
    }

    [Fact]
    public void Experiments_are_read_from_hocon_with_their_arms_and_overrides()
    {
        var config = ConfigFactory.ParseString($$"""
            {{Section}}.experiments.weights {
              salt = "s-1"
              arms = [
                { name = control, share = 0.25, overrides {} }
                { name = treatment, share = 0.75, overrides { model.weights.like = 6, exploration.share = 0.3 } }
              ]
            }
            """).WithFallback(ConfigLoader.LoadReferences(Module)).Resolve();
        var e = Assert.Single(FeedSettingsReader.Read(config).Experiments);
        Assert.Equal(("weights", "s-1", 2), (e.Name, e.Salt, e.Arms.Count));
        Assert.Equal(0.75, e.Arms[1].Share);
        Assert.Equal("6", e.Arms[1].Overrides["model.weights.like"]);
        Assert.Equal("0.3", e.Arms[1].Overrides["exploration.share"]);
        Assert.Empty(e.Arms[0].Overrides);
    }

    [Theory]
    [InlineData("{ salt = s, arms = [ { name = a, share = 1, overrides { model.weights.charm = 2 } } ] }", ".experiments.x.arms[0].overrides.model.weights.charm")]
    [InlineData("{ salt = s, arms = [ { name = a, share = 1, overrides { exploration.share = 3 } } ] }", ".experiments.x.arms[0].overrides.exploration.share")]
    [InlineData("{ salt = s, arms = [ { name = a, share = 0.5 } ] }", ".experiments.x")]
    [InlineData("{ salt = s, arms = [ { name = a, share = 1, colour = red } ] }", ".experiments.x.arms[0].colour")]
    [InlineData("{ salt = s, arms = [ { name = a, share = 1 } ], owner = me }", ".experiments.x.owner")]
    public void A_bad_experiment_names_its_key(string body, string suffix)
    {
        var config = ConfigFactory.ParseString($"{Section}.experiments.x {body}").WithFallback(ConfigLoader.LoadReferences(Module)).Resolve();
        var ex = Assert.Throws<SettingsException>(() => FeedSettingsReader.Read(config));
        Assert.StartsWith($"{Section}{suffix}", ex.Path, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[{ name = t, pool-size = 0, min-impressions = 1, min-completion-rate = 0, min-share-rate = 0 }, { name = all }]", "[0].pool-size")]
    [InlineData("[{ name = t, pool-size = 9, min-impressions = 1, min-completion-rate = 1.5, min-share-rate = 0 }, { name = all }]", "[0].min-completion-rate")]
    [InlineData("[{ name = t, pool-size = 9, min-impressions = 1, min-completion-rate = 0, min-share-rate = 0, colour = red }, { name = all }]", "[0].colour")]
    [InlineData("[{ name = t, pool-size = 9, min-impressions = 1, min-completion-rate = 0, min-share-rate = 0 }, 300]", "[1]")]
    [InlineData("[{ name = t, pool-size = 9, min-impressions = 1, min-completion-rate = 0, min-share-rate = 0 }, { name = all, pool-size = 5 }]", "[1].pool-size")]
    public void A_bad_promotion_stage_names_the_element(string ladder, string suffix)
    {
        var config = ConfigFactory.ParseString($"{Section}.video.promotion-stages = {ladder}")
            .WithFallback(ConfigLoader.LoadReferences(Module))
            .Resolve();
        Assert.Equal($"{Section}.video.promotion-stages{suffix}", Assert.Throws<SettingsException>(() => FeedSettingsReader.Read(config)).Path);
    }

    [Fact]
    public void A_ladder_whose_judging_point_exceeds_its_pool_names_the_ladder()
    {
        var config = ConfigFactory.ParseString($"{Section}.video.promotion-stages = [{{ name = t, pool-size = 5, min-impressions = 9, min-completion-rate = 0, min-share-rate = 0 }}, {{ name = all }}]")
            .WithFallback(ConfigLoader.LoadReferences(Module))
            .Resolve();
        var ex = Assert.Throws<SettingsException>(() => FeedSettingsReader.Read(config));
        Assert.Equal($"{Section}.video.promotion-stages", ex.Path);
        Assert.Contains("promotion-stages[0]", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_reader_knows_exactly_the_keys_of_reference_conf()
    {
        var section = ConfigLoader.LoadReferences(Module).Resolve().GetConfig(Section);
        var leaves = ReferenceConf.LeafPaths(section.Root).Select(l => l.Path).ToArray();
        Assert.Equal(leaves.Order(StringComparer.Ordinal), FeedSettingsReader.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Every_key_of_reference_conf_is_read()
    {
        // Replacing any one key by an object must fail on that key: proves the reader looks at it.
        var references = ConfigLoader.LoadReferences(Module);
        foreach (var leaf in ReferenceConf.LeafPaths(references.Resolve().GetConfig(Section).Root))
        {
            var config = ConfigFactory.ParseString($"{Section}.{leaf.Path} {{ not-a-value = 1 }}").WithFallback(references).Resolve();
            var ex = Assert.Throws<SettingsException>(() => FeedSettingsReader.Read(config));
            Assert.Equal($"{Section}.{leaf.Path}", ex.Path);
        }
    }

    [Fact]
    public void Every_key_of_reference_conf_has_a_comment_above_it_or_above_its_group()
    {
        // The feed reference documents related keys together: one comment over a paragraph of keys.
        var text = ReferenceConf.ReadText(Module, FeedSettingsReader.ResourceName);
        Assert.Empty(ReferenceConf.UncommentedKeys(text, allowCommentedGroups: true));
    }

    private static void AssertSame(FeedSettings expected, FeedSettings actual)
    {
        Assert.Equal(expected.Video.Promotion.Stages, actual.Video.Promotion.Stages);
        Assert.Equal(expected, actual);
    }
}
