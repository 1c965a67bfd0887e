using Microsoft.Extensions.Logging;

namespace ActorRec.Actors.Tests;

public sealed class SystemTests
{
    [Theory]
    [InlineData("throughput")]
    [InlineData("default-mailbox.type")]
    [InlineData("default-mailbox.capacity")]
    [InlineData("default-mailbox.overflow")]
    [InlineData("dead-letter-log-rate")]
    [InlineData("ask-timeout")]
    [InlineData("shutdown-timeout")]
    public void Settings_validation_names_the_bad_key(string key)
    {
        Action create = key switch
        {
            "throughput" => () => ActorSystemSettings.Create(throughput: 0),
            "default-mailbox.type" => () => ActorSystemSettings.Create(defaultMailboxType: "stack"),
            "default-mailbox.capacity" => () => ActorSystemSettings.Create(defaultMailboxType: "bounded", defaultMailboxCapacity: 0),
            "default-mailbox.overflow" => () => ActorSystemSettings.Create(defaultMailboxType: "bounded", defaultMailboxOverflow: "drop-oldest"),
            "dead-letter-log-rate" => () => ActorSystemSettings.Create(deadLetterLogRate: -1),
            "ask-timeout" => () => ActorSystemSettings.Create(askTimeout: TimeSpan.Zero),
            _ => () => ActorSystemSettings.Create(shutdownTimeout: TimeSpan.FromSeconds(-1)),
        };
        var ex = Assert.Throws<ActorSettingsException>(create);
        Assert.Equal("actorrec.actors." + key, ex.Key);
        Assert.Contains("actorrec.actors." + key, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Settings_defaults_match_reference_conf()
    {
        var d = ActorSystemSettings.Default;
        var c = ActorSystemSettings.Create();
        Assert.Equal(d, c);
        Assert.Equal(30, d.Throughput);
        Assert.Equal(MailboxSpec.Unbounded, d.DefaultMailbox);
        var conf = ReadReferenceConf();
        Assert.Contains("throughput = 30", conf, StringComparison.Ordinal);
        Assert.Contains("ask-timeout = 10s", conf, StringComparison.Ordinal);
        Assert.Contains("shutdown-timeout = 10s", conf, StringComparison.Ordinal);
        Assert.Contains("dead-letter-log-rate = 10", conf, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_reference_conf_key_has_a_comment()
    {
        var lines = ReadReferenceConf().Split('\n').Select(l => l.Trim()).ToArray();
        var keys = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Length == 0 || lines[i].StartsWith('#') || lines[i] == "}" || lines[i].EndsWith('{'))
            {
                continue;
            }
            keys++;
            Assert.True(i > 0 && lines[i - 1].StartsWith('#'), $"key '{lines[i]}' has no comment above it");
        }
        Assert.Equal(8, keys);
    }

    [Fact]
    public void Shutdown_drains_mailboxes_then_stops_and_completes()
    {
        var kit = Kit.New();
        var probe = kit.CreateTestProbe();
        var parent = kit.ActorOf(Props.Create(() => new ReportingActor(probe)));
        probe.ExpectMsg("prestart");
        for (var i = 0; i < 5; i++)
        {
            parent.Tell(i, null);
        }
        var terminated = kit.System.Terminate();
        Assert.Throws<ActorSystemTerminatingException>(() => kit.ActorOf(Props.Create<EchoActor>()));
        Assert.Equal(Enumerable.Range(0, 5).Cast<object>(), probe.ReceiveN(5));
        probe.ExpectMsg("poststop");
        kit.Await(terminated);
        Assert.True(kit.System.WhenTerminated.IsCompletedSuccessfully);
        Assert.Same(terminated, kit.System.Terminate());
    }

    [Fact]
    public void Shutdown_stops_actors_that_do_not_drain_within_the_timeout()
    {
        var kit = Kit.New(ActorSystemSettings.Create(shutdownTimeout: TimeSpan.FromSeconds(5)));
        var probe = kit.CreateTestProbe();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stuck = kit.ActorOf(Props.Create(() => new StuckActor(probe, gate.Task)));
        stuck.Tell("block", null);
        probe.ExpectMsg("blocked");
        stuck.Tell("never processed", null);
        var terminated = kit.System.Terminate();
        kit.AwaitIdle();
        Assert.False(terminated.IsCompleted);
        kit.Time.Advance(TimeSpan.FromSeconds(5)); // drain phase times out: hard stop
        var cell = (ActorRec.Actors.Internal.ActorCell)stuck;
        kit.AwaitCondition(() => cell.HasPendingSystemMessages, what: "the stop request reached the stuck actor");
        gate.SetResult();
        kit.Await(terminated);
        probe.ExpectMsg("poststop");
        Assert.Equal(1, kit.System.DeadLetterCount);
    }

    [Fact]
    public void Shutdown_ends_even_when_an_actor_never_stops()
    {
        var kit = Kit.New(ActorSystemSettings.Create(shutdownTimeout: TimeSpan.FromSeconds(5)));
        var probe = kit.CreateTestProbe();
        var never = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stuck = kit.ActorOf(Props.Create(() => new StuckActor(probe, never.Task)));
        stuck.Tell("block", null);
        probe.ExpectMsg("blocked");
        var terminated = kit.System.Terminate();
        kit.AwaitIdle();
        kit.Time.Advance(TimeSpan.FromSeconds(5)); // drain times out
        kit.AwaitCondition(() => ((ActorRec.Actors.Internal.ActorCell)stuck).HasPendingSystemMessages);
        // The hard stop times out too (the actor is abandoned), and so does the root waiting for it.
        for (var step = 0; step < 4 && !terminated.IsCompleted; step++)
        {
            kit.AwaitCondition(() => kit.Time.ActiveTimers == 1 || terminated.IsCompleted, what: "the next shutdown timeout is armed");
            kit.Time.Advance(TimeSpan.FromSeconds(5));
        }
        kit.AwaitCondition(() => terminated.IsCompleted, what: "system terminated");
        never.SetResult();
    }

    [Fact]
    public void Dead_letters_are_counted_and_logged_with_a_rate_limit()
    {
        var logger = new CapturingLoggerFactory();
        using var kit = new TestKit.ActorTestKit("dl", ActorSystemSettings.Create(deadLetterLogRate: 3), logger);
        for (var i = 0; i < 10; i++)
        {
            kit.System.DeadLetters.Tell(i, null);
        }
        Assert.Equal(10, kit.System.DeadLetterCount);
        Assert.Equal(3, logger.Count(1002));
        kit.Time.Advance(TimeSpan.FromSeconds(1));
        kit.System.DeadLetters.Tell("next window", null);
        Assert.Equal(4, logger.Count(1002));
        Assert.Equal(1, logger.Count(1003)); // 7 suppressed in the first window, reported once
    }

    [Fact]
    public void System_name_is_validated()
    {
        Assert.Throws<ArgumentException>(() => ActorSystem.Create("bad name"));
        Assert.Throws<ArgumentException>(() => ActorSystem.Create(""));
    }

    private static string ReadReferenceConf()
    {
        using var stream = typeof(ActorSystem).Assembly.GetManifestResourceStream("ActorRec.Actors.reference.conf")
            ?? throw new InvalidOperationException("reference.conf is not embedded");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private sealed class StuckActor : ReceiveActor
    {
        private readonly IActorRef _probe;

        public StuckActor(IActorRef probe, Task gate)
        {
            _probe = probe;
            ReceiveAsync<string>(
                async _ =>
                {
                    probe.Tell("blocked");
                    await gate;
                },
                s => s == "block");
            Receive<string>(s => probe.Tell(s));
        }

        protected override void PostStop() => _probe.Tell("poststop");
    }

    private sealed class CapturingLoggerFactory : ILoggerFactory
    {
        private readonly List<int> _events = [];

        public int Count(int eventId)
        {
            lock (_events)
            {
                return _events.Count(e => e == eventId);
            }
        }

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public void Dispose()
        {
        }

        private sealed class Logger(CapturingLoggerFactory owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lock (owner._events)
                {
                    owner._events.Add(eventId.Id);
                }
            }
        }
    }
}
