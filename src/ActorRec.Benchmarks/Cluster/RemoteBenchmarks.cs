using System.Diagnostics;
using ActorRec.Cluster;
using ActorRec.Cluster.Transport;
using ActorRec.Cluster.Wire;
using Google.Protobuf;

namespace ActorRec.Benchmarks.Cluster;

/// <summary>Result of one remote throughput run.</summary>
public sealed record RemoteThroughputResult(
    string Name, int Messages, int PayloadBytes, double Seconds, double MessagesPerSecond, double MegabytesPerSecond,
    double FramesPerFlush, long AllocatedBytesPerMessage);

/// <summary>
/// Macro benchmark of the cluster transport: one-way envelope throughput between two transports over loopback in
/// one process (real sockets, handshake, framing, coalescing, protobuf encode and decode). The sender keeps the
/// outbound queue fed and retries on <see cref="SendResult.QueueFull"/>, so the figure is the transport's
/// sustainable rate, not the enqueue rate.
/// </summary>
public static class RemoteBenchmarks
{
    public static async Task<IReadOnlyList<RemoteThroughputResult>> RunAllAsync(int messages = 2_000_000)
    {
        var results = new List<RemoteThroughputResult>
        {
            await OneWayAsync(messages / 10, 16, "warm-up").ConfigureAwait(false),
            await OneWayAsync(messages, 16, "one-way 16 B").ConfigureAwait(false),
            await OneWayAsync(messages / 2, 256, "one-way 256 B").ConfigureAwait(false),
            await OneWayAsync(messages / 20, 4096, "one-way 4 KiB").ConfigureAwait(false),
        };
        return results;
    }

    public static async Task<RemoteThroughputResult> OneWayAsync(int messages, int payloadBytes, string name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(messages, 1);
        var settings = new ClusterSettings
        {
            Hostname = "127.0.0.1",
            BindHost = "127.0.0.1",
            Port = 0,
            Secret = "benchmark-secret-0123456789",
            OutboundQueueSize = 200_000,
        };
        var receiver = new CountingHandler(messages);
        await using var a = new ClusterTransport(settings with { NodeName = "bench-a" }, 1, new CountingHandler(0));
        await using var b = new ClusterTransport(settings with { NodeName = "bench-b" }, 1, receiver);
        a.Start();
        b.Start();

        var payload = ByteString.CopyFrom(new byte[payloadBytes]);
        var envelope = new RemoteEnvelope { Sender = "/user/bench-sender", Recipient = "/user/bench-receiver", Manifest = "bench.msg", Payload = payload };
        // Connect and authenticate before timing.
        a.Send(b.Self.Address, envelope);
        await receiver.First.Task.ConfigureAwait(false);

        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var stopwatch = Stopwatch.StartNew();
        var flushesBefore = a.Counters.Flushes;
        var framesBefore = a.Counters.FramesSent;
        for (var i = 1; i < messages; i++)
        {
            // The same immutable envelope instance is queued repeatedly: the benchmark measures the transport, not
            // the caller's allocation of messages.
            while (a.Send(b.Self.Address, envelope) == SendResult.QueueFull)
            {
                await Task.Yield();
            }
        }

        await receiver.All.Task.ConfigureAwait(false);
        stopwatch.Stop();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var seconds = stopwatch.Elapsed.TotalSeconds;
        var frames = a.Counters.FramesSent - framesBefore;
        var flushes = Math.Max(1, a.Counters.Flushes - flushesBefore);
        return new RemoteThroughputResult(name, messages, payloadBytes, seconds, messages / seconds,
            messages * (double)(payloadBytes + 60) / seconds / (1024 * 1024), frames / (double)flushes, allocated / messages);
    }

    private sealed class CountingHandler(int expected) : ITransportHandler
    {
        private int _count;

        public TaskCompletionSource First { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource All { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void OnEnvelope(PeerIdentity from, RemoteEnvelope envelope)
        {
            var n = Interlocked.Increment(ref _count);
            if (n == 1)
            {
                First.TrySetResult();
            }

            if (n == expected)
            {
                All.TrySetResult();
            }
        }

        public void OnHeartbeat(PeerIdentity from, Heartbeat heartbeat)
        {
        }

        public void OnGossip(PeerIdentity from, long tableVersion)
        {
        }

        public void OnPeerConnected(PeerIdentity peer)
        {
        }

        public void OnPeerDisconnected(PeerIdentity peer)
        {
        }
    }
}
