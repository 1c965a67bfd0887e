using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ActorRec.Cluster.Tests.Support;

public sealed record LogEntry(LogLevel Level, int EventId, string Message);

/// <summary>Collects log entries; <see cref="WaitForAsync"/> waits (with a failure guard) until one matches.</summary>
public sealed class ListLogger : ILogger
{
    private readonly ConcurrentQueue<LogEntry> _entries = new();
    private readonly Lock _gate = new();
    private readonly List<(Func<LogEntry, bool> Match, TaskCompletionSource<LogEntry> Done)> _waiters = [];

    public IReadOnlyList<LogEntry> Entries => [.. _entries];

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var entry = new LogEntry(logLevel, eventId.Id, formatter(state, exception));
        _entries.Enqueue(entry);
        lock (_gate)
        {
            foreach (var w in _waiters.Where(w => w.Match(entry)).ToList())
            {
                w.Done.TrySetResult(entry);
                _waiters.Remove(w);
            }
        }
    }

    public Task<LogEntry> WaitForAsync(int eventId)
    {
        var done = new TaskCompletionSource<LogEntry>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            var existing = _entries.FirstOrDefault(e => e.EventId == eventId);
            if (existing is not null)
            {
                return Task.FromResult(existing);
            }

            _waiters.Add((e => e.EventId == eventId, done));
        }

        return done.Task.WaitAsync(TestTimeouts.Guard);
    }
}

public static class TestTimeouts
{
    /// <summary>Failure guard only: a passing test never waits this long.</summary>
    public static readonly TimeSpan Guard = TimeSpan.FromSeconds(20);
}
