using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;

namespace ActorRec.Server.Logging;

/// <summary>Writes formatted events to a <see cref="TextWriter"/> (tests and embedders capture output with it).</summary>
internal sealed class TextWriterSink : ILogEventSink
{
    private readonly ITextFormatter _formatter;
    private readonly TextWriter _writer;
    private readonly Lock _gate = new();

    public TextWriterSink(ITextFormatter formatter, TextWriter writer)
    {
        _formatter = formatter;
        _writer = writer;
    }

    public void Emit(LogEvent logEvent)
    {
        lock (_gate)
        {
            _formatter.Format(logEvent, _writer);
            _writer.Flush();
        }
    }
}
