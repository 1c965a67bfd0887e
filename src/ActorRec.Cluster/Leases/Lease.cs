using System.Diagnostics;

namespace ActorRec.Cluster.Leases;

/// <summary>
/// A held lease. <see cref="Token"/> is the fencing token: it grows by one every time the lease passes to a new
/// holder, so a resource that remembers the highest token it has seen can reject a stale holder's late writes.
/// </summary>
[DebuggerDisplay("{Name} held by {Holder} token {Token} until {ExpiresAt}")]
public sealed record Lease(string Name, string Holder, long Token, DateTimeOffset ExpiresAt);

/// <summary>Outcome of <see cref="ILeaseStore.TryAcquireAsync"/>: the lease, or who holds it and until when.</summary>
public sealed record LeaseAttempt(Lease? Lease, string? CurrentHolder, DateTimeOffset HeldUntil)
{
    public bool Acquired => Lease is not null;
}

/// <summary>
/// Leases with expiry and fencing tokens (cluster singleton, shard coordinator). Every operation is one conditional
/// write, so two contenders can never both hold an unexpired lease. Expiry is judged with the caller's clock
/// (<see cref="TimeProvider"/> of the store): clocks of nodes must agree to well within the lease duration (NTP);
/// the fencing token, not the clock, is what makes stale holders harmless.
/// </summary>
public interface ILeaseStore
{
    Task InitializeAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Takes the lease if it is free, released or expired (a new token), or extends it if <paramref name="holder"/>
    /// already holds it (same token). Otherwise reports the current holder.
    /// </summary>
    Task<LeaseAttempt> TryAcquireAsync(string name, string holder, TimeSpan duration, CancellationToken cancellationToken = default);

    /// <summary>Extends a lease still held with this token and not expired; null when it was lost.</summary>
    Task<Lease?> TryRenewAsync(Lease lease, TimeSpan duration, CancellationToken cancellationToken = default);

    /// <summary>Gives the lease up (keeping the token so the next holder gets a higher one); false if no longer held.</summary>
    Task<bool> ReleaseAsync(Lease lease, CancellationToken cancellationToken = default);

    /// <summary>The lease row as stored (holder may be null or expired); null when it never existed.</summary>
    Task<LeaseState?> ReadAsync(string name, CancellationToken cancellationToken = default);
}

/// <summary>Raw state of a lease row.</summary>
public sealed record LeaseState(string Name, string? Holder, long Token, DateTimeOffset ExpiresAt);

internal static class LeaseArgs
{
    public static void Check(string name, string holder, TimeSpan duration)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(holder);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(duration, TimeSpan.Zero);
    }
}
