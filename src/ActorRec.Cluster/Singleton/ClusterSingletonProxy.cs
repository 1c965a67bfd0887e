using System.Globalization;
using ActorRec.Actors;
using ActorRec.Cluster.Leases;
using ActorRec.Cluster.Membership;

namespace ActorRec.Cluster.Singleton;

/// <summary>Where a singleton runs now: the holder of its lease, if that holder is a live member.</summary>
public sealed record SingletonLocation(string Name, string NodeName, long Incarnation, string Address, long FencingToken, DateTimeOffset ExpiresAt);

/// <summary>
/// Turns a singleton's location into an actor reference (local when the singleton runs on this node, remote
/// otherwise). Implemented by the remote-actor layer; the proxy depends only on this.
/// </summary>
public interface ISingletonRefResolver
{
    IActorRef Resolve(SingletonLocation location);
}

/// <summary>
/// Lets any node reach a singleton: reads the singleton's lease row and the membership view to find the live holder.
/// A location is valid for one tenure (its <see cref="SingletonLocation.FencingToken"/>); callers that cache it
/// re-locate when a send fails or the holder leaves the membership.
/// </summary>
public sealed class ClusterSingletonProxy
{
    private readonly string _leaseName;
    private readonly ILeaseStore _leases;
    private readonly Func<MembershipSnapshot> _membership;
    private readonly TimeProvider _time;

    public ClusterSingletonProxy(string name, ILeaseStore leases, Func<MembershipSnapshot> membership, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(leases);
        ArgumentNullException.ThrowIfNull(membership);
        Name = name;
        _leaseName = ClusterSingletonDefinition.LeaseNameOf(name);
        _leases = leases;
        _membership = membership;
        _time = time ?? TimeProvider.System;
    }

    public string Name { get; }

    /// <summary>The current holder, or null while the singleton has none (between tenures, or never started).</summary>
    public async Task<SingletonLocation?> LocateAsync(CancellationToken cancellationToken = default)
    {
        var state = await _leases.ReadAsync(_leaseName, cancellationToken).ConfigureAwait(false);
        if (state?.Holder is not { } holder || state.ExpiresAt <= _time.GetUtcNow() || !TryParseHolder(holder, out var node, out var incarnation))
        {
            return null;
        }

        var member = _membership().Find(node, incarnation);
        return member is { IsLive: true }
            ? new SingletonLocation(Name, node, incarnation, member.Address, state.Token, state.ExpiresAt)
            : null;
    }

    /// <summary>An actor reference to the singleton's current instance, or null while it has no holder.</summary>
    public async Task<IActorRef?> ResolveAsync(ISingletonRefResolver resolver, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(resolver);
        return await LocateAsync(cancellationToken).ConfigureAwait(false) is { } location ? resolver.Resolve(location) : null;
    }

    /// <summary>Splits a holder key "name#incarnation".</summary>
    public static bool TryParseHolder(string holder, out string nodeName, out long incarnation)
    {
        ArgumentNullException.ThrowIfNull(holder);
        var hash = holder.LastIndexOf('#');
        nodeName = hash > 0 ? holder[..hash] : "";
        incarnation = 0;
        return hash > 0 && long.TryParse(holder.AsSpan(hash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out incarnation);
    }
}
