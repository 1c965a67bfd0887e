using System.Text.RegularExpressions;
using ActorRec.Cli.Configuration;
using ActorRec.Cluster;
using ActorRec.Cluster.Sharding;
using ActorRec.Hocon;
using ActorRec.Hocon.Settings;
using ActorRec.Persistence;
using ActorRec.Server;
using YamlDotNet.RepresentationModel;

namespace ActorRec.Cli.Tests;

/// <summary>
/// The manifests of <c>k8s/</c>: each parses as YAML (YamlDotNet; duplicate keys are errors), the HOCON carried by
/// the ConfigMap resolves with our parser into every module's typed settings, and names, ports, paths and secret
/// keys agree across the files.
/// </summary>
public sealed partial class KubernetesManifestTests
{
    private static readonly string Dir = Path.Combine(FindRepoRoot(), "k8s");

    private static readonly Dictionary<string, string> PodEnvironment = new(StringComparer.Ordinal)
    {
        ["POD_NAME"] = "actorrec-1",
        ["POD_NAMESPACE"] = "prod",
        ["ACTORREC_HOSTNAME"] = "actorrec-1.actorrec-peers.prod.svc.cluster.local",
        ["ACTORREC_POSTGRES"] = "Host=postgres;Database=actorrec;Username=actorrec;Password=x",
        ["ACTORREC_CLUSTER_SECRET"] = "a-cluster-secret-of-32-characters",
        ["ACTORREC_ADMIN_TOKEN"] = "token",
    };

    [Fact]
    public void Every_manifest_parses_and_names_its_kind()
    {
        var files = Directory.GetFiles(Dir, "*.yaml");
        Assert.True(files.Length >= 7, $"expected the manifests in {Dir}");
        foreach (var file in files)
        {
            var root = Load(file);
            Assert.False(string.IsNullOrEmpty(Scalar(root, "apiVersion")), file);
            Assert.False(string.IsNullOrEmpty(Scalar(root, "kind")), file);
            if (Scalar(root, "kind") != "Kustomization")
            {
                Assert.False(string.IsNullOrEmpty(Scalar(root, "metadata", "name")), file);
            }
        }
    }

    [Fact]
    public void Duplicate_keys_are_refused_by_the_parser()
    {
        var yaml = new YamlStream();
        Assert.ThrowsAny<Exception>(() => yaml.Load(new StringReader("a: 1\na: 2\n")));
    }

    [Fact]
    public void Kustomization_lists_every_manifest_but_the_secret_example()
    {
        var listed = Seq(Load(Path.Combine(Dir, "kustomization.yaml")), "resources").Select(n => ((YamlScalarNode)n).Value!).Order(StringComparer.Ordinal);
        var present = Directory.GetFiles(Dir, "*.yaml").Select(Path.GetFileName)
            .Where(f => f is not "kustomization.yaml" and not "secret.example.yaml").Order(StringComparer.Ordinal);
        Assert.Equal(present, listed);
    }

    [Fact]
    public void Names_and_labels_agree_across_files()
    {
        var set = Load(Path.Combine(Dir, "statefulset.yaml"));
        var peers = Load(Path.Combine(Dir, "service-peers.yaml"));
        var http = Load(Path.Combine(Dir, "service-http.yaml"));
        var pdb = Load(Path.Combine(Dir, "pdb.yaml"));
        var configMap = Load(Path.Combine(Dir, "configmap.yaml"));
        var secret = Load(Path.Combine(Dir, "secret.example.yaml"));

        Assert.Equal(("StatefulSet", "Service", "Service", "PodDisruptionBudget", "ConfigMap", "Secret"),
            (Scalar(set, "kind"), Scalar(peers, "kind"), Scalar(http, "kind"), Scalar(pdb, "kind"), Scalar(configMap, "kind"), Scalar(secret, "kind")));
        Assert.Equal(Scalar(peers, "metadata", "name"), Scalar(set, "spec", "serviceName"));
        Assert.Equal("None", Scalar(peers, "spec", "clusterIP"));
        Assert.Equal("true", Scalar(peers, "spec", "publishNotReadyAddresses"));

        var podLabels = Map(set, "spec", "template", "metadata", "labels");
        Assert.All(new[] { Map(set, "spec", "selector", "matchLabels"), Map(peers, "spec", "selector"), Map(http, "spec", "selector"), Map(pdb, "spec", "selector", "matchLabels") },
            selector => Assert.All(selector, kv => Assert.Equal(kv.Value, podLabels.GetValueOrDefault(kv.Key))));
        Assert.Equal("1", Scalar(pdb, "spec", "maxUnavailable"));

        // The config volume is the ConfigMap, mounted where --config points.
        var volume = Seq(set, "spec", "template", "spec", "volumes").Single(v => Scalar(v, "name") == "config");
        Assert.Equal(Scalar(configMap, "metadata", "name"), Scalar(volume, "configMap", "name"));
        var mounts = Seq(Container(set), "volumeMounts").ToDictionary(m => Scalar(m, "name")!, m => Scalar(m, "mountPath")!);
        var args = Args(set);
        var configKey = Assert.Single(Map(configMap, "data").Keys);
        Assert.Equal(mounts["config"] + "/" + configKey, ArgAfter(args, "--config"));
        Assert.Equal(mounts["data"], ArgAfter(args, "--data-dir"));
        Assert.Equal("data", Scalar(Seq(set, "spec", "volumeClaimTemplates").Single(), "metadata", "name"));

        // Every secret reference names a key of the Secret.
        var secretKeys = Map(secret, "stringData").Keys.ToHashSet(StringComparer.Ordinal);
        var refs = Seq(Container(set), "env").Where(e => Has(e, "valueFrom", "secretKeyRef")).ToList();
        Assert.Equal(3, refs.Count);
        Assert.All(refs, e =>
        {
            Assert.Equal(Scalar(secret, "metadata", "name"), Scalar(e, "valueFrom", "secretKeyRef", "name"));
            Assert.Contains(Scalar(e, "valueFrom", "secretKeyRef", "key")!, secretKeys);
        });
    }

    [Fact]
    public void Ports_agree_across_the_statefulset_services_probes_and_hocon()
    {
        var set = Load(Path.Combine(Dir, "statefulset.yaml"));
        var container = Container(set);
        var ports = Seq(container, "ports").ToDictionary(p => Scalar(p, "name")!, p => int.Parse(Scalar(p, "containerPort")!, System.Globalization.CultureInfo.InvariantCulture));
        var args = Args(set);
        var config = ResolvedConfig();

        Assert.Equal(ports["http"], int.Parse(ArgAfter(args, "--port"), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(ports["http"], config.GetInt("actorrec.http.port"));
        Assert.Equal(ports["cluster"], int.Parse(ArgAfter(args, "--cluster-port"), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(ports["cluster"], config.GetInt("actorrec.cluster.port"));

        var peers = Load(Path.Combine(Dir, "service-peers.yaml"));
        var peerPort = Seq(peers, "spec", "ports").Single();
        Assert.Equal((ports["cluster"].ToString(System.Globalization.CultureInfo.InvariantCulture), "cluster"), (Scalar(peerPort, "port"), Scalar(peerPort, "targetPort")));
        var httpPort = Seq(Load(Path.Combine(Dir, "service-http.yaml")), "spec", "ports").Single();
        Assert.Equal("http", Scalar(httpPort, "targetPort"));

        Assert.Equal(("/readyz", "http"), (Scalar(container, "readinessProbe", "httpGet", "path"), Scalar(container, "readinessProbe", "httpGet", "port")));
        Assert.Equal(("/healthz", "http"), (Scalar(container, "livenessProbe", "httpGet", "path"), Scalar(container, "livenessProbe", "httpGet", "port")));
        var preStop = string.Join(" ", Seq(container, "lifecycle", "preStop", "exec", "command").Select(n => ((YamlScalarNode)n).Value));
        Assert.Contains("actorrec cluster drain \"$POD_NAME\"", preStop, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{ports["http"]}", preStop, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(Scalar(container, "resources", "requests", "cpu")));
        Assert.False(string.IsNullOrEmpty(Scalar(container, "resources", "requests", "memory")));
    }

    [Fact]
    public void The_node_is_started_with_the_issue_7_contract_and_every_variable_it_uses_is_defined_first()
    {
        var set = Load(Path.Combine(Dir, "statefulset.yaml"));
        var args = Args(set);
        Assert.Equal("serve", args[0]);
        Assert.Equal("$(POD_NAME)", ArgAfter(args, "--node-name"));
        Assert.Equal("$(ACTORREC_POSTGRES)", ArgAfter(args, "--cluster-postgres"));
        foreach (var flag in new[] { "--port", "--cluster-port", "--data-dir" })
        {
            Assert.Contains(flag, args);
        }

        // Kubernetes expands $(NAME) only for variables defined earlier in env (else it leaves the text as is).
        var defined = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in Seq(Container(set), "env"))
        {
            foreach (Match m in VariableReference().Matches(Scalar(e, "value") ?? ""))
            {
                Assert.Contains(m.Groups[1].Value, defined);
            }

            defined.Add(Scalar(e, "name")!);
        }

        Assert.All(args.SelectMany(a => VariableReference().Matches(a)), m => Assert.Contains(m.Groups[1].Value, defined));
        Assert.Contains(ClusterSettings.SecretEnvironmentVariable, defined);
        Assert.Contains("ACTORREC_ADMIN_TOKEN", defined);
    }

    [Fact]
    public void The_configmap_hocon_resolves_into_every_module_s_settings()
    {
        var config = ResolvedConfig();
        var server = ServerSettings.Create(config);
        Assert.Equal(("actorrec-1", "0.0.0.0", "/var/lib/actorrec"), (server.NodeName, server.HttpHost, server.DataDir));

        var cluster = ClusterSettingsReader.Read(config, name => PodEnvironment.GetValueOrDefault(name));
        Assert.Equal(MembershipStoreKind.Postgres, cluster.MembershipStore);
        Assert.Equal(PodEnvironment["ACTORREC_POSTGRES"], cluster.ConnectionString);
        Assert.Equal(PodEnvironment["ACTORREC_HOSTNAME"], cluster.Hostname);
        Assert.Equal("actorrec-1", cluster.NodeName);

        var persistence = PersistenceSettingsReader.Read(config);
        Assert.Equal(PersistencePlugin.Postgres, persistence.Plugin);
        Assert.Equal(PodEnvironment["ACTORREC_POSTGRES"], persistence.ConnectionString);

        var sharding = ShardingSettings.Read(config);
        Assert.Equal(256, sharding.NumberOfShards);

        // And the CLI's own loader (every module's reference.conf) accepts the same file.
        Assert.NotNull(ActorRecSettingsAll(config));
    }

    private static object ActorRecSettingsAll(Config config) =>
        (ActorRec.Actors.ActorSystemSettingsReader.Read(config), ActorRec.Compute.ComputeSettingsReader.Read(config),
            ActorRec.Recommender.Domain.FeedSettingsReader.Read(config), ActorRec.Server.Logging.LoggingSettings.Create(config));

    private static Config ResolvedConfig()
    {
        var configMap = Load(Path.Combine(Dir, "configmap.yaml"));
        var hocon = Map(configMap, "data")["actorrec.conf"];
        var user = ConfigFactory.ParseString(hocon);
        return ConfigLoader.Load(user, PodEnvironment, [.. NodeConfig.ReferenceAssemblies, typeof(ClusterSettings).Assembly]);
    }

    [GeneratedRegex(@"\$\(([A-Z_][A-Z0-9_]*)\)")]
    private static partial Regex VariableReference();

    private static YamlMappingNode Load(string file)
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(file);
        yaml.Load(reader);
        var document = Assert.Single(yaml.Documents);
        return Assert.IsType<YamlMappingNode>(document.RootNode);
    }

    private static YamlNode? Find(YamlNode node, params string[] path)
    {
        var current = node;
        foreach (var key in path)
        {
            if (current is not YamlMappingNode map || !map.Children.TryGetValue(new YamlScalarNode(key), out var next))
            {
                return null;
            }

            current = next;
        }

        return current;
    }

    private static bool Has(YamlNode node, params string[] path) => Find(node, path) is not null;

    private static string? Scalar(YamlNode node, params string[] path) => (Find(node, path) as YamlScalarNode)?.Value;

    private static IEnumerable<YamlNode> Seq(YamlNode node, params string[] path) =>
        Assert.IsType<YamlSequenceNode>(Find(node, path) ?? throw new InvalidOperationException($"missing {string.Join(".", path)}")).Children;

    private static Dictionary<string, string> Map(YamlNode node, params string[] path) =>
        Assert.IsType<YamlMappingNode>(Find(node, path) ?? throw new InvalidOperationException($"missing {string.Join(".", path)}")).Children
            .ToDictionary(kv => ((YamlScalarNode)kv.Key).Value!, kv => ((YamlScalarNode)kv.Value).Value!, StringComparer.Ordinal);

    private static YamlNode Container(YamlNode set) => Seq(set, "spec", "template", "spec", "containers").Single();

    private static List<string> Args(YamlNode set) => [.. Seq(Container(set), "args").Select(n => ((YamlScalarNode)n).Value!)];

    private static string ArgAfter(List<string> args, string flag)
    {
        var i = args.IndexOf(flag);
        Assert.True(i >= 0 && i + 1 < args.Count, $"{flag} is missing from the container args");
        return args[i + 1];
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ActorRec.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("ActorRec.sln not found above " + AppContext.BaseDirectory);
    }
}
