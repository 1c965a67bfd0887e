using System.Globalization;
using System.Text;
using ActorRec.Actors;
using ActorRec.Cluster.Serialization;
using Google.Protobuf;

namespace ActorRec.Cluster.Remote;

/// <summary>Node → node: "tell my node when the actor at <paramref name="Target"/> (elements path) stops".</summary>
internal sealed record RemoteWatch(string Target, string WatcherAddress);

/// <summary>Node → node: the watcher node no longer watches <paramref name="Target"/>.</summary>
internal sealed record RemoteUnwatch(string Target, string WatcherAddress);

/// <summary>Node → node: the actor at <paramref name="Subject"/> (its full path) has stopped, or never existed.</summary>
internal sealed record RemoteDeathNotice(string Subject);

/// <summary>
/// The remoting layer's own messages. Every node's registry must contain them: build it with
/// <see cref="AddRemoting"/>; <see cref="RemoteActorRefProvider"/> refuses a registry without them.
/// </summary>
public static class RemoteSystemMessages
{
    internal const string WatchManifest = "actorrec.remote.watch";
    internal const string UnwatchManifest = "actorrec.remote.unwatch";
    internal const string DeathNoticeManifest = "actorrec.remote.death";
    internal const string FailureManifest = "actorrec.status.failure";
    internal const string PingManifest = "actorrec.remote.ping";
    internal const string PongManifest = "actorrec.remote.pong";
    internal const string IdentifyManifest = "actorrec.remote.singleton-identify";
    internal const string IdentityManifest = "actorrec.remote.singleton-identity";

    /// <summary>
    /// Registers the remoting layer's messages (watch, unwatch, death notice) on the builder, and
    /// <see cref="Status.Failure"/> so that a remote actor can fail an ask: the cause travels as its type name and
    /// message and arrives as a <see cref="RemoteFailureException"/>; and the ping (<see cref="ClusterPing"/>,
    /// <see cref="ClusterPong"/>) and singleton identity (<see cref="SingletonIdentify"/>, <see cref="SingletonIdentity"/>)
    /// messages.
    /// </summary>
    public static MessageSerializerRegistryBuilder AddRemoting(this MessageSerializerRegistryBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder
            .Register<RemoteWatch>(WatchManifest, w => Pair(w.Target, w.WatcherAddress), p => Unpair(p, static (a, b) => new RemoteWatch(a, b)))
            .Register<RemoteUnwatch>(UnwatchManifest, w => Pair(w.Target, w.WatcherAddress), p => Unpair(p, static (a, b) => new RemoteUnwatch(a, b)))
            .Register<RemoteDeathNotice>(DeathNoticeManifest, d => ByteString.CopyFromUtf8(d.Subject), p => new RemoteDeathNotice(Encoding.UTF8.GetString(p)))
            .Register<Status.Failure>(FailureManifest,
                f => Pair(f.Cause is RemoteFailureException r ? r.RemoteType : f.Cause.GetType().FullName ?? "Exception", f.Cause.Message),
                p => Unpair(p, static (type, message) => new Status.Failure(new RemoteFailureException(type, message))))
            .Register<ClusterPing>(PingManifest, static _ => ByteString.Empty, static _ => ClusterPing.Instance)
            .Register<ClusterPong>(PongManifest,
                p => Pair(p.NodeName, p.Incarnation.ToString(CultureInfo.InvariantCulture)),
                p => Unpair(p, static (node, incarnation) => new ClusterPong(node, ParseLong(incarnation))))
            .Register<SingletonIdentify>(IdentifyManifest, static _ => ByteString.Empty, static _ => SingletonIdentify.Instance)
            .Register<SingletonIdentity>(IdentityManifest,
                i => Pair(i.Name, i.NodeName + "\0" + i.FencingToken.ToString(CultureInfo.InvariantCulture)),
                p => Unpair(p, static (name, rest) => Unpair(Encoding.UTF8.GetBytes(rest), (node, token) => new SingletonIdentity(name, node, ParseLong(token)))));
    }

    internal static bool IsRegistered(MessageSerializerRegistry registry) =>
        registry.ManifestOf(typeof(RemoteWatch)) is not null
        && registry.ManifestOf(typeof(RemoteUnwatch)) is not null
        && registry.ManifestOf(typeof(RemoteDeathNotice)) is not null;

    private static long ParseLong(string text) =>
        long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new FormatException($"'{text}' is not a 64-bit integer");

    // Two UTF-8 strings separated by a NUL (neither paths nor addresses contain one).
    private static ByteString Pair(string a, string b) => ByteString.CopyFromUtf8(a + "\0" + b);

    private static T Unpair<T>(ReadOnlySpan<byte> payload, Func<string, string, T> create)
    {
        var split = payload.IndexOf((byte)0);
        if (split < 0)
        {
            throw new FormatException("a remoting message needs two NUL-separated fields");
        }

        return create(Encoding.UTF8.GetString(payload[..split]), Encoding.UTF8.GetString(payload[(split + 1)..]));
    }
}

/// <summary>The cause of a <see cref="Status.Failure"/> that came from another node (its type and message only).</summary>
public sealed class RemoteFailureException(string remoteType, string message) : Exception(message)
{
    /// <summary>Full name of the exception type on the node that failed.</summary>
    public string RemoteType { get; } = remoteType;

    public override string ToString() => $"{RemoteType} (remote): {Message}";
}
