using System.Text;

namespace ActorRec.Actors;

/// <summary>
/// An actor's position in the hierarchy. Paths are a linked list towards the root, so a child's path costs one small
/// object; the string form is built on demand.
/// </summary>
public sealed class ActorPath : IEquatable<ActorPath>
{
    private readonly string? _system;

    private ActorPath(ActorPath? parent, string name, string? system)
    {
        Parent = parent;
        Name = name;
        _system = system;
    }

    /// <summary>The parent path; null for the root.</summary>
    public ActorPath? Parent { get; }

    /// <summary>The last element of the path (the system name for the root).</summary>
    public string Name { get; }

    /// <summary>The actor system's name.</summary>
    public string SystemName
    {
        get
        {
            var p = this;
            while (p.Parent is not null)
            {
                p = p.Parent;
            }
            return p._system!;
        }
    }

    /// <summary>Number of elements below the root.</summary>
    public int Depth
    {
        get
        {
            var depth = 0;
            for (var p = this; p.Parent is not null; p = p.Parent)
            {
                depth++;
            }
            return depth;
        }
    }

    /// <summary>The root path of a system.</summary>
    public static ActorPath Root(string systemName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(systemName);
        return new ActorPath(null, string.Empty, systemName);
    }

    /// <summary>A child path; the name is validated by <see cref="ValidateName"/>.</summary>
    public ActorPath Child(string name)
    {
        ValidateName(name);
        return new ActorPath(this, name, null);
    }

    internal ActorPath UncheckedChild(string name) => new(this, name, null);

    /// <summary>Checks an actor name: not empty, no '/', no whitespace, must not start with '$' (reserved).</summary>
    public static void ValidateName(string name, bool allowReserved = false)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0)
        {
            throw new InvalidActorNameException("Actor name must not be empty.");
        }
        if (!allowReserved && name[0] == '$')
        {
            throw new InvalidActorNameException($"Actor name '{name}' must not start with '$' (reserved for generated names).");
        }
        foreach (var c in name)
        {
            if (c == '/' || char.IsWhiteSpace(c) || c == '#')
            {
                throw new InvalidActorNameException($"Actor name '{name}' contains the illegal character '{c}'.");
            }
        }
    }

    public bool Equals(ActorPath? other)
    {
        if (ReferenceEquals(this, other))
        {
            return true;
        }
        if (other is null)
        {
            return false;
        }
        var a = this;
        var b = other;
        while (a is not null && b is not null)
        {
            if (!string.Equals(a.Name, b.Name, StringComparison.Ordinal) || !string.Equals(a._system, b._system, StringComparison.Ordinal))
            {
                return false;
            }
            a = a.Parent!;
            b = b.Parent!;
        }
        return a is null && b is null;
    }

    public override bool Equals(object? obj) => obj is ActorPath p && Equals(p);

    public override int GetHashCode()
    {
        var h = new HashCode();
        for (var p = this; p is not null; p = p.Parent)
        {
            h.Add(p.Name, StringComparer.Ordinal);
        }
        return h.ToHashCode();
    }

    /// <summary>e.g. <c>actorrec://sys/user/a/b</c>.</summary>
    public override string ToString()
    {
        if (Parent is null)
        {
            return "actorrec://" + _system;
        }
        var names = new Stack<string>();
        var p = this;
        for (; p.Parent is not null; p = p.Parent)
        {
            names.Push(p.Name);
        }
        var sb = new StringBuilder("actorrec://").Append(p._system);
        while (names.Count > 0)
        {
            sb.Append('/').Append(names.Pop());
        }
        return sb.ToString();
    }
}
