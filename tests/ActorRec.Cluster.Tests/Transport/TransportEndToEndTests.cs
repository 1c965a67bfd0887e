using ActorRec.Actors.TestKit;
using ActorRec.Cluster.Tests.Support;
using ActorRec.Cluster.Transport;

namespace ActorRec.Cluster.Tests.Transport;

public sealed class TransportEndToEndTests : TransportTestBase
{
    [Fact]
    public async Task Envelopes_arrive_in_order_with_every_field()
    {
        var (a, _) = Start(Settings("a"));
        var (b, bh) = Start(Settings("b"));

        for (var i = 0; i < 2000; i++)
        {
            Assert.Equal(SendResult.Enqueued, a.Send(b.Self.Address, Envelope(i, payloadBytes: 100)));
        }

        for (var i = 0; i < 2000; i++)
        {
            var (from, e) = await bh.Envelopes.NextAsync();
            Assert.Equal(i, IndexOf(e));
            Assert.Equal("/user/sender", e.Sender);
            Assert.Equal("/user/target-" + i, e.Recipient);
            Assert.Equal("test.msg", e.Manifest);
            Assert.Equal((ulong)i, e.CorrelationId);
            Assert.Equal(100, e.Payload.Length);
            Assert.Equal("a", from.NodeName);
            Assert.Equal(a.Self.Address, from.Address);
        }

        var connected = await bh.Connected.NextAsync();
        Assert.Equal(new PeerIdentity("a", 1, a.Self.Address), connected);
    }

    [Fact]
    public async Task Queued_frames_are_coalesced_and_delivered_after_redial_with_backoff()
    {
        var time = new VirtualTimeProvider();
        var port = UnusedPort();
        var (a, _) = Start(Settings("a"), time);
        var scheduled = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        a.ReconnectScheduled += (_, delay) => scheduled.TrySetResult(delay);

        const int count = 5000;
        var address = "127.0.0.1:" + port;
        for (var i = 0; i < count; i++)
        {
            Assert.Equal(SendResult.Enqueued, a.Send(address, Envelope(i)));
        }

        // Nobody listens yet: the dial fails and a redial is scheduled on the virtual clock.
        var delay = await scheduled.Task.WaitAsync(TestTimeouts.Guard);
        Assert.InRange(delay, TimeSpan.FromMilliseconds(25), TimeSpan.FromMilliseconds(50));

        var (b, bh) = Start(Settings("b", port: port));
        time.Advance(delay);

        for (var i = 0; i < count; i++)
        {
            Assert.Equal(i, IndexOf((await bh.Envelopes.NextAsync()).Envelope));
        }

        Assert.Equal(count, a.Counters.FramesSent);
        // 5000 frames of ~50 bytes in 64 KiB batches: a handful of flushes, not one per frame.
        Assert.InRange(a.Counters.Flushes, 1, 20);
    }

    [Fact]
    public async Task Reconnects_to_a_restarted_peer_with_a_new_incarnation()
    {
        var (a, ah) = Start(Settings("a"));
        var (b, bh) = Start(Settings("b"));
        var port = int.Parse(b.Self.Address.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture);

        a.Send(b.Self.Address, Envelope(1));
        Assert.Equal(1, IndexOf((await bh.Envelopes.NextAsync()).Envelope));

        await b.DisposeAsync();
        var lost = await ah.Disconnected.NextAsync();
        Assert.Equal("b", lost.NodeName);

        var (b2, b2h) = Start(Settings("b", port: port), incarnation: 2);
        Assert.Equal(SendResult.Enqueued, a.Send(b2.Self.Address, Envelope(2)));
        var (from, e) = await b2h.Envelopes.NextAsync();
        Assert.Equal(2, IndexOf(e));
        Assert.Equal("a", from.NodeName);
        Assert.Contains(a.ConnectedPeers(), p => p is { NodeName: "b", Incarnation: 2 });
    }

    [Fact]
    public void Full_outbound_queue_drops_the_newest_and_counts_it()
    {
        var time = new VirtualTimeProvider();
        var settings = Settings("a") with { OutboundQueueSize = 10 };
        var (a, _) = Start(settings, time);
        var address = "127.0.0.1:" + UnusedPort();

        // While the writer dials (and waits for the redial), frames stay in the queue.
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(SendResult.Enqueued, a.Send(address, Envelope(i)));
        }

        Assert.Equal(SendResult.QueueFull, a.Send(address, Envelope(10)));
        Assert.Equal(SendResult.QueueFull, a.Send(address, Envelope(11)));
        Assert.Equal(2, a.Counters.Dropped);
        Assert.Equal(2, a.DroppedFor(address));
    }

    [Fact]
    public async Task Slow_reader_back_pressures_the_sender_until_its_queue_fills_and_nothing_accepted_is_lost()
    {
        var settings = Settings("a") with { OutboundQueueSize = 32, PauseWriterThreshold = 4 * 1024 * 1024, ResumeWriterThreshold = 1024 * 1024 };
        var (a, _) = Start(settings);
        var (b, bh) = Start(Settings("b"));
        using var gate = new ManualResetEventSlim(false);
        bh.BeforeEnvelope = _ => gate.Wait(TestTimeouts.Guard);

        var accepted = 0;
        var result = SendResult.Enqueued;
        for (var i = 0; i < 20_000 && result == SendResult.Enqueued; i++)
        {
            result = a.Send(b.Self.Address, Envelope(i, payloadBytes: 64 * 1024));
            if (result == SendResult.Enqueued)
            {
                accepted++;
            }
        }

        Assert.Equal(SendResult.QueueFull, result);
        Assert.True(a.Counters.Dropped >= 1);
        gate.Set();
        for (var i = 0; i < accepted; i++)
        {
            Assert.Equal(i, IndexOf((await bh.Envelopes.NextAsync()).Envelope));
        }
    }

    [Fact]
    public async Task Oversize_inbound_frame_closes_the_connection_with_an_error_and_the_link_recovers()
    {
        var bLog = new ListLogger();
        var (a, ah) = Start(Settings("a") with { MaxFrameSize = 1024 * 1024 });
        var (b, bh) = Start(Settings("b") with { MaxFrameSize = 64 * 1024, PauseWriterThreshold = 1024 * 1024, ResumeWriterThreshold = 512 * 1024 }, logger: bLog);

        Assert.Equal(SendResult.TooLarge, b.Send(a.Self.Address, Envelope(0, payloadBytes: 100 * 1024)));
        Assert.Equal(SendResult.Enqueued, a.Send(b.Self.Address, Envelope(1, payloadBytes: 100 * 1024)));

        var error = await bLog.WaitForAsync(1109);
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Error, error.Level);
        Assert.Contains("exceeds max-frame-size 65536", error.Message, StringComparison.Ordinal);
        await ah.Disconnected.NextAsync();

        a.Send(b.Self.Address, Envelope(2));
        Assert.Equal(2, IndexOf((await bh.Envelopes.NextAsync()).Envelope));
    }

    [Fact]
    public async Task Heartbeats_and_gossip_reach_the_handler()
    {
        var (a, _) = Start(Settings("a"), incarnation: 7);
        var (b, bh) = Start(Settings("b"));
        a.SendHeartbeat(b.Self.Address, 42);
        a.SendGossip(b.Self.Address, 1234);
        var hb = await bh.Heartbeats.NextAsync();
        Assert.Equal(("a", 7L, 42UL), (hb.NodeName, hb.Incarnation, hb.Sequence));
        Assert.Equal(1234, await bh.Gossip.NextAsync());
    }

    [Fact]
    public async Task Crossing_dials_converge_and_deliver_both_ways()
    {
        var (a, ah) = Start(Settings("a"));
        var (b, bh) = Start(Settings("b"));
        for (var i = 0; i < 200; i++)
        {
            a.Send(b.Self.Address, Envelope(i));
            b.Send(a.Self.Address, Envelope(i));
        }

        var atB = new HashSet<int>();
        var atA = new HashSet<int>();
        while (atB.Count < 200)
        {
            atB.Add(IndexOf((await bh.Envelopes.NextAsync()).Envelope));
        }

        while (atA.Count < 200)
        {
            atA.Add(IndexOf((await ah.Envelopes.NextAsync()).Envelope));
        }

        Assert.Equal(Enumerable.Range(0, 200), atB.Order());
        Assert.Equal(Enumerable.Range(0, 200), atA.Order());
    }

    [Fact]
    public async Task Forgetting_an_unreachable_peer_discards_its_queue_and_stops_redialing()
    {
        var time = new VirtualTimeProvider();
        var (a, _) = Start(Settings("a"), time);
        var address = "127.0.0.1:" + UnusedPort();
        var scheduled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        a.ReconnectScheduled += (_, _) => scheduled.TrySetResult();
        for (var i = 0; i < 5; i++)
        {
            a.Send(address, Envelope(i));
        }

        await scheduled.Task.WaitAsync(TestTimeouts.Guard);
        await a.ForgetAsync(address).WaitAsync(TestTimeouts.Guard); // returns although the redial timer never fires
        Assert.Equal(0, a.DroppedFor(address));
        Assert.Equal(SendResult.Enqueued, a.Send(address, Envelope(9)));
    }

    [Fact]
    public async Task A_throwing_handler_loses_only_that_frame()
    {
        var log = new ListLogger();
        var (a, _) = Start(Settings("a"));
        var (b, bh) = Start(Settings("b"), logger: log);
        bh.BeforeEnvelope = e =>
        {
            if (IndexOf(e) == 1)
            {
                throw new InvalidOperationException("handler bug");
            }
        };
        for (var i = 0; i < 3; i++)
        {
            a.Send(b.Self.Address, Envelope(i));
        }

        Assert.Equal(0, IndexOf((await bh.Envelopes.NextAsync()).Envelope));
        Assert.Equal(2, IndexOf((await bh.Envelopes.NextAsync()).Envelope));
        Assert.Contains("Envelope frame from node a", (await log.WaitForAsync(1118)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sending_to_self_or_a_malformed_address_is_an_argument_error()
    {
        var (a, _) = Start(Settings("a"));
        Assert.Throws<ArgumentException>(() => a.Send(a.Self.Address, Envelope(0)));
        Assert.Throws<ArgumentException>(() => a.Send("no-port", Envelope(0)));
    }
}
