namespace ActorRec.Persistence.Serialization;

/// <summary>
/// Per-thread reusable stream + writer/reader pairs for <see cref="EventSerializerRegistry"/>, so that serializing or
/// reading an event allocates only its result (the payload array, the event object).
/// </summary>
/// <remarks>
/// A <see cref="BinaryWriter"/> or <see cref="BinaryReader"/> with its stream costs several small objects (the reader
/// also builds a UTF-8 decoder); per event on the persist and replay paths that was a large share of all allocations.
/// The pairs are rented: a thread takes its cached pair and leaves null in its place until it returns it, so a nested
/// call (a reader or upcaster that deserializes an inner event) simply builds a fresh pair instead of sharing one.
/// </remarks>
internal static class SerializerBuffers
{
    /// <summary>Above this capacity a returned writer stream is dropped instead of cached (one huge snapshot).</summary>
    private const int MaxCachedCapacity = 64 * 1024;

    [ThreadStatic]
    private static WriterPair? t_writer;

    [ThreadStatic]
    private static ReaderPair? t_reader;

    public static WriterPair RentWriter()
    {
        WriterPair pair = t_writer ?? new WriterPair();
        t_writer = null;
        pair.Stream.SetLength(0);
        return pair;
    }

    public static void Return(WriterPair pair)
    {
        if (pair.Stream.Capacity <= MaxCachedCapacity)
        {
            t_writer = pair;
        }
    }

    public static ReaderPair RentReader(byte[] bytes)
    {
        ReaderPair pair = t_reader ?? new ReaderPair();
        t_reader = null;
        pair.Stream.Reset(bytes);
        return pair;
    }

    public static void Return(ReaderPair pair)
    {
        pair.Stream.Reset([]);
        t_reader = pair;
    }

    internal sealed class WriterPair
    {
        public WriterPair()
        {
            Stream = new MemoryStream(256);
            Writer = new BinaryWriter(Stream, System.Text.Encoding.UTF8, leaveOpen: true);
        }

        public MemoryStream Stream { get; }

        public BinaryWriter Writer { get; }
    }

    internal sealed class ReaderPair
    {
        public ReaderPair()
        {
            Stream = new ArrayReadStream();
            Reader = new BinaryReader(Stream, System.Text.Encoding.UTF8, leaveOpen: true);
        }

        public ArrayReadStream Stream { get; }

        public BinaryReader Reader { get; }
    }

    /// <summary>A read-only seekable stream over a byte array that can be pointed at another array.</summary>
    internal sealed class ArrayReadStream : Stream
    {
        private byte[] _bytes = [];
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => _bytes.Length;

        public override long Position
        {
            get => _position;
            set => _position = (int)Math.Clamp(value, 0, _bytes.Length);
        }

        public void Reset(byte[] bytes)
        {
            _bytes = bytes;
            _position = 0;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int n = Math.Min(buffer.Length, _bytes.Length - _position);
            _bytes.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override int ReadByte() => _position < _bytes.Length ? _bytes[_position++] : -1;

        public override long Seek(long offset, SeekOrigin origin)
        {
            long target = origin switch
            {
                SeekOrigin.Begin => offset,
                SeekOrigin.Current => _position + offset,
                _ => _bytes.Length + offset,
            };
            Position = target;
            return _position;
        }

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException("The stream is read-only.");

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("The stream is read-only.");
    }
}
