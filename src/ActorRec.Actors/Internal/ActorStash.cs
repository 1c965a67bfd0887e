namespace ActorRec.Actors.Internal;

internal sealed class ActorStash(ActorCell cell) : IStash
{
    private readonly List<Envelope> _items = [];

    public int Count => _items.Count;

    public void Stash()
    {
        var current = cell.CurrentMessage ?? throw new InvalidOperationException("Stash() is only valid while a message is being processed.");
        if (_items.Count > 0 && ReferenceEquals(_items[^1].Message, current))
        {
            throw new InvalidOperationException($"The message {current.GetType().Name} was already stashed.");
        }
        _items.Add(new Envelope(current, cell.Sender));
    }

    public void Unstash()
    {
        if (_items.Count == 0)
        {
            return;
        }
        var first = _items[0];
        _items.RemoveAt(0);
        cell.Prepend([first]);
    }

    public void UnstashAll()
    {
        if (_items.Count == 0)
        {
            return;
        }
        cell.Prepend(_items);
        _items.Clear();
    }

    public void UnstashAll(Func<Envelope, bool> predicate)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        var selected = new List<Envelope>();
        var kept = new List<Envelope>();
        foreach (var e in _items)
        {
            (predicate(e) ? selected : kept).Add(e);
        }
        _items.Clear();
        _items.AddRange(kept);
        if (selected.Count > 0)
        {
            cell.Prepend(selected);
        }
    }

    public IReadOnlyList<Envelope> ClearStash()
    {
        var all = _items.ToArray();
        _items.Clear();
        return all;
    }
}
