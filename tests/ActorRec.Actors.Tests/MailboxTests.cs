using System.Runtime.CompilerServices;
using ActorRec.Actors.Internal;

namespace ActorRec.Actors.Tests;

public sealed class MailboxTests
{
    [Fact]
    public void Bounded_drop_newest_sends_overflow_to_dead_letters()
    {
        using var kit = Kit.New();
        var probe = kit.CreateTestProbe();
        kit.System.EventStream.Subscribe(probe, typeof(DeadLetter));
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var actor = kit.ActorOf(Props.Create(() => new BlockingActor(probe, gate.Task)).WithMailbox(MailboxSpec.Bounded(2)));
        actor.Tell("block", null);
        probe.ExpectMsg("blocked");
        actor.Tell("m1", null);
        actor.Tell("m2", null);
        actor.Tell("m3", null); // over capacity
        var dead = probe.ExpectMsg<DeadLetter>();
        Assert.Equal("m3", dead.Message);
        Assert.Same(actor, dead.Recipient);
        gate.SetResult();
        probe.ExpectMsg("m1");
        probe.ExpectMsg("m2");
        Assert.Equal(1, kit.System.DeadLetterCount);
        actor.Tell("m4", null); // room again
        probe.ExpectMsg("m4");
    }

    [Fact]
    public void Bounded_fail_sender_throws_in_tell_and_fails_ask()
    {
        using var kit = Kit.New();
        var probe = kit.CreateTestProbe();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var actor = kit.ActorOf(Props.Create(() => new BlockingActor(probe, gate.Task)).WithMailbox(MailboxSpec.Bounded(1, OverflowPolicy.FailSender)));
        actor.Tell("block", null);
        probe.ExpectMsg("blocked");
        actor.Tell("m1", null);
        Assert.Throws<MailboxFullException>(() => actor.Tell("m2", null));
        Assert.Throws<MailboxFullException>(() => kit.Await(actor.Ask<string>("m3")));
        gate.SetResult();
        probe.ExpectMsg("m1");
        probe.ExpectNoMsg(TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void Default_mailbox_comes_from_settings()
    {
        using var kit = Kit.New(ActorSystemSettings.Create(defaultMailboxType: "bounded", defaultMailboxCapacity: 1, defaultMailboxOverflow: "fail-sender"));
        var probe = kit.CreateTestProbe();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var actor = kit.ActorOf(Props.Create(() => new BlockingActor(probe, gate.Task)));
        actor.Tell("block", null);
        probe.ExpectMsg("blocked");
        actor.Tell("m1", null);
        Assert.Throws<MailboxFullException>(() => actor.Tell("m2", null));
        gate.SetResult();
    }

    [Fact]
    public void Throughput_setting_limits_messages_per_turn_but_all_arrive()
    {
        using var kit = Kit.New(ActorSystemSettings.Create(throughput: 1));
        var probe = kit.CreateTestProbe();
        var a = kit.ActorOf(Props.Create<EchoActor>());
        for (var i = 0; i < 50; i++)
        {
            a.Tell(i, probe);
        }
        Assert.Equal(Enumerable.Range(0, 50).Cast<object>(), probe.ReceiveN(50));
    }

    [Fact]
    public void Queue_keeps_fifo_per_producer_across_segment_growth()
    {
        var queue = new StrongBox<MessageQueue>();
        QueueStress.ProduceAndDrain(queue, producers: 4, each: 50_000, onEmpty: static () => { });
        Assert.False(queue.Value.HasMessages);
        Assert.False(queue.Value.TryDequeue(out _, out _));
    }

    [Fact]
    public void Mailbox_spec_rejects_bad_capacity()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => MailboxSpec.Bounded(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => MailboxSpec.Bounded(1, (OverflowPolicy)42));
    }

    private sealed class BlockingActor : ReceiveActor
    {
        public BlockingActor(IActorRef probe, Task gate)
        {
            ReceiveAsync<string>(
                async _ =>
                {
                    probe.Tell("blocked");
                    await gate;
                },
                s => s == "block");
            Receive<string>(s => probe.Tell(s));
        }
    }
}
