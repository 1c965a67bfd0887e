using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ActorRec.Actors.Internal;

// Design: the user mailbox is a multi-producer / single-consumer queue of (message, sender) pairs made of ring
// segments. Each segment is a bounded ring in the style of Vyukov's bounded queue: every slot carries a sequence
// number; a producer claims position `tail` with one CAS when the slot's sequence equals `tail`, writes the pair and
// publishes by storing `tail + 1` into the sequence. The single consumer reads position `head` once its sequence is
// `head + 1` and hands the slot back to producers by storing `head + capacity`. While the consumer keeps up, one ring
// is reused forever: the steady-state tell path allocates nothing.
//
// When a producer finds the ring full it links a new segment of twice the size (up to MaxSegmentSize) and freezes the
// old one by adding FreezeOffset to its tail, so no late producer can claim a slot there again (that would reorder
// messages). The consumer drains a frozen segment up to its committed count and then moves on to the next segment,
// so FIFO order per producer is kept. The first segment is created on the first enqueue: an actor that never received
// a message costs no ring at all.
//
// Emptiness for scheduling purposes is judged on claimed positions (tail), never on published slots: a producer
// claims with a full fence before it reads the actor's scheduled flag, so the consumer that clears the flag with a
// full fence and then finds tail == head cannot miss a message (see ActorCell.Execute).
//
// Release (TryRelease, opt-in per actor: Props.WithIdleMailboxRelease): an idle actor with an empty queue gives its
// ring back, so thousands of resident but quiet entities do not each keep one. Only the consumer releases, at the end
// of a turn while it still holds the scheduled flag, and only when the head segment is the last one (Next is null).
//   1. CAS Next: null -> Released (a shared sentinel). From here no producer can link a successor to this segment:
//      a producer that finds the ring full spins until step 2 settles (the consumer does not block in between).
//   2. CAS Tail: head -> head + FreezeOffset. It fails only when a producer claimed a slot since the consumer looked,
//      and then the consumer puts Next back to null and keeps the segment (the queue is not empty). When it succeeds
//      nothing was claimed, so nothing is lost, and no producer can ever claim a slot here again: every later claim
//      sees a negative sequence difference (the ring reads as full) and goes to EnqueueSlow, whose link CAS fails on
//      the sentinel, so it spins and re-reads _tail.
//   3. _tail = null, then _head = null. A producer acts on a null _tail only by CASing _head null -> new segment,
//      which cannot succeed before step 3 has nulled _head, and the consumer's null store cannot overwrite a new
//      segment (it only ever nulls the segment it froze, before any producer could CAS _head). The producer that
//      wins then publishes _tail; the others spin until they see it.
// A producer that read the old segment before the release keeps a reference to a frozen ring it cannot write, so the
// segment is garbage once those producers move on.
//   Late publication: a producer publishes a segment as the tail only after installing it (first segment: CAS _head,
// then CAS _tail from null; growth: CAS Next and freeze, then set _tail). In between, the consumer can already reach the new
// empty segment through _head or the frozen ring's Next and release it; the late store would then make a released
// segment the tail, on which every later enqueue fails (frozen ring, Released successor) and spins forever: the actor
// never receives another message, and its tellers hang inside Tell. So growth publishes with a CAS from the old tail
// (which fails once the consumer nulled _tail), and a producer that finds the tail released and no longer the head
// (the release is complete) resets _tail to null and starts over (ForgetReleasedTail). Scheduling is unchanged: a message enqueued after a release is a
// claim in the new segment made with a full fence before the producer reads the scheduled flag, the same as any other.

// The segment's fields sit on three cache lines: read-mostly fields, the producers' Tail (CAS) and the consumer's
// Head, so that a producer and the consumer running on two cores do not invalidate each other's line per message.
[StructLayout(LayoutKind.Explicit, Size = 136)]
internal sealed class QueueSegment
{
    /// <summary>Successor marker of a released segment: producers cannot link after it (see TryRelease).</summary>
    internal static readonly QueueSegment Released = new(2);

    // 2048 slots x 24 bytes stays below the large-object threshold (85,000 bytes): LOH allocations would force gen-2 GCs.
    internal const int MaxSegmentSize = 2048;

    [FieldOffset(0)]
    internal readonly Slot[] Slots;

    [FieldOffset(8)]
    internal QueueSegment? Next;

    [FieldOffset(16)]
    internal readonly int Mask;

    [FieldOffset(20)]
    internal readonly int FreezeOffset;

    [FieldOffset(24)]
    internal volatile bool Frozen;

    [FieldOffset(64)]
    internal int Tail;

    [FieldOffset(128)]
    internal int Head;

    internal QueueSegment(int capacity)
    {
        Debug.Assert(System.Numerics.BitOperations.IsPow2(capacity));
        Slots = new Slot[capacity];
        for (var i = 0; i < Slots.Length; i++)
        {
            Slots[i].Sequence = i;
        }
        Mask = capacity - 1;
        FreezeOffset = capacity * 2;
    }

    internal struct Slot
    {
        public object? Message;
        public IActorRef? Sender;
        public int Sequence;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool TryEnqueue(object message, IActorRef? sender)
    {
        var slots = Slots;
        while (true)
        {
            var tail = Volatile.Read(ref Tail);
            ref var slot = ref slots[tail & Mask];
            var diff = Volatile.Read(ref slot.Sequence) - tail;
            if (diff == 0)
            {
                if (Interlocked.CompareExchange(ref Tail, tail + 1, tail) == tail)
                {
                    slot.Message = message;
                    slot.Sender = sender;
                    Volatile.Write(ref slot.Sequence, tail + 1);
                    return true;
                }
            }
            else if (diff < 0)
            {
                return false; // full or frozen
            }
        }
    }
}

/// <summary>The MPSC mailbox queue; a mutable struct embedded in the actor cell (no extra object per actor).</summary>
internal struct MessageQueue
{
    private const int InitialSegmentSize = 4;

    private QueueSegment? _head;
    private QueueSegment? _tail;

    /// <summary>Producer side; any thread.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Enqueue(object message, IActorRef? sender)
    {
        var tail = Volatile.Read(ref _tail);
        if (tail is null || !tail.TryEnqueue(message, sender))
        {
            EnqueueSlow(message, sender);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void EnqueueSlow(object message, IActorRef? sender)
    {
        var spin = default(SpinWait);
        while (true)
        {
            var tail = Volatile.Read(ref _tail);
            if (tail is null)
            {
                if (TryInstallFirst() is { } first)
                {
                    PublishFirst(first);
                }
                else
                {
                    spin.SpinOnce();
                }
                continue;
            }
            if (tail.TryEnqueue(message, sender))
            {
                return;
            }
            if (TryLinkNext(tail) is { } next)
            {
                PublishNext(tail, next);
            }
            else if (!ForgetReleasedTail(tail))
            {
                spin.SpinOnce();
            }
        }
    }

    /// <summary>Producer, first half of creating the first segment: claims <c>_head</c>; null when another producer did.</summary>
    internal QueueSegment? TryInstallFirst()
    {
        var first = new QueueSegment(InitialSegmentSize);
        return Interlocked.CompareExchange(ref _head, first, null) is null ? first : null;
    }

    /// <summary>
    /// Producer, second half: makes the installed first segment the tail, but only while there is none. A non-null tail
    /// here means the consumer released <paramref name="first"/> meanwhile and another producer installed and published
    /// a newer first segment: a plain store would put the released one back over it (see ForgetReleasedTail for a late
    /// publication onto a null tail).
    /// </summary>
    internal void PublishFirst(QueueSegment first) => Interlocked.CompareExchange(ref _tail, first, null);

    /// <summary>
    /// Producer, first half of growing: links a new segment after the full <paramref name="tail"/> and freezes it;
    /// null when another producer linked one first (or the consumer is releasing <paramref name="tail"/>).
    /// </summary>
    internal QueueSegment? TryLinkNext(QueueSegment tail)
    {
        var next = new QueueSegment(Math.Min(tail.Slots.Length * 2, QueueSegment.MaxSegmentSize));
        if (Interlocked.CompareExchange(ref tail.Next, next, null) is not null)
        {
            return null;
        }
        // Freeze: from now on every producer sees the old ring as full and comes here.
        Interlocked.Add(ref tail.Tail, tail.FreezeOffset);
        tail.Frozen = true;
        return next;
    }

    /// <summary>
    /// Producer, second half of growing: <paramref name="next"/> becomes the tail, but only if <paramref name="tail"/>
    /// still is. Meanwhile the consumer may have drained the frozen ring, moved on to the empty <paramref name="next"/>
    /// and released it (nulling <c>_tail</c>); a plain store would then bring the released segment back as the tail.
    /// </summary>
    internal void PublishNext(QueueSegment tail, QueueSegment next) => Interlocked.CompareExchange(ref _tail, next, tail);

    /// <summary>
    /// True when <paramref name="tail"/> was released by the consumer but is still (or again) published as the tail:
    /// <c>_tail</c> is reset so the next attempt installs a fresh first segment. A released segment has the
    /// <see cref="QueueSegment.Released"/> successor and is no longer the consumer's head (while a release is still in
    /// progress the head is that very segment, and the producer waits for it to finish or be undone instead).
    /// </summary>
    private bool ForgetReleasedTail(QueueSegment tail)
    {
        if (!ReferenceEquals(Volatile.Read(ref tail.Next), QueueSegment.Released) || ReferenceEquals(Volatile.Read(ref _head), tail))
        {
            return false;
        }
        Interlocked.CompareExchange(ref _tail, null, tail);
        return true;
    }

    /// <summary>Consumer side; only the thread that runs the actor.</summary>
    public bool TryDequeue(out object message, out IActorRef? sender)
    {
        var segment = Volatile.Read(ref _head);
        if (segment is null)
        {
            message = null!;
            sender = null;
            return false;
        }
        var spin = default(SpinWait);
        while (true)
        {
            var head = segment.Head;
            ref var slot = ref segment.Slots[head & segment.Mask];
            if (Volatile.Read(ref slot.Sequence) == head + 1)
            {
                message = slot.Message!;
                sender = slot.Sender;
                slot.Message = null;
                slot.Sender = null;
                Volatile.Write(ref slot.Sequence, head + segment.Slots.Length);
                segment.Head = head + 1;
                return true;
            }
            var frozen = segment.Frozen;
            var claimed = frozen ? Volatile.Read(ref segment.Tail) - segment.FreezeOffset : Volatile.Read(ref segment.Tail);
            if (claimed == head)
            {
                if (!frozen)
                {
                    message = null!;
                    sender = null;
                    return false;
                }
                segment = Volatile.Read(ref segment.Next)!;
                Debug.Assert(segment is not null, "a frozen segment always has a successor");
                _head = segment;
                continue;
            }
            // A producer claimed the slot and is about to publish it.
            spin.SpinOnce(sleep1Threshold: -1);
        }
    }

    /// <summary>
    /// Consumer side: gives the ring back when nothing is queued (see the design notes); true when released. The
    /// next enqueue allocates a new first segment.
    /// </summary>
    public bool TryRelease()
    {
        var segment = _head;
        if (segment is null || segment.Frozen)
        {
            return false;
        }
        var head = segment.Head;
        if (Volatile.Read(ref segment.Tail) != head
            || Interlocked.CompareExchange(ref segment.Next, QueueSegment.Released, null) is not null)
        {
            return false;
        }
        if (Interlocked.CompareExchange(ref segment.Tail, head + segment.FreezeOffset, head) != head)
        {
            Volatile.Write(ref segment.Next, null);
            return false;
        }
        Volatile.Write(ref _tail, null);
        Volatile.Write(ref _head, null);
        return true;
    }

    /// <summary>The segment producers write to now (null before the first enqueue and after a release); for tests.</summary>
    internal readonly QueueSegment? TailSegment => Volatile.Read(ref Unsafe.AsRef(in _tail));

    /// <summary>Whether any producer has claimed a position the consumer has not taken yet. Consumer side.</summary>
    public readonly bool HasMessages
    {
        get
        {
            var segment = Volatile.Read(ref Unsafe.AsRef(in _head));
            while (segment is not null)
            {
                var frozen = segment.Frozen;
                var claimed = frozen ? Volatile.Read(ref segment.Tail) - segment.FreezeOffset : Volatile.Read(ref segment.Tail);
                if (claimed != segment.Head)
                {
                    return true;
                }
                if (!frozen)
                {
                    return false;
                }
                segment = Volatile.Read(ref segment.Next);
            }
            return false;
        }
    }
}
