using System.Text;

namespace ActorRec.Actors;

/// <summary>
/// An actor's position in the hierarchy. Paths are a linked list towards the root, so a child's path costs one small
/// object; the string form is built on demand.
/// <para>
/// A root may carry an <see cref="Address"/>: the node the actor system runs on (for the cluster, its "host:port").
/// Paths of local actors have none (<c>actorrec://sys/user/a</c>); a remoting provider names an actor of another
/// node with one (<c>actorrec://sys@10.0.0.5:2552/user/a</c>). <see cref="Parse"/> reads both forms.
/// </para>
/// </summary>
public sealed class ActorPath : IEquatable<ActorPath>
{
    private const string Scheme = "actorrec://";

    // The system name and address of a root; null below it. One field, not two: every actor has a path, so a path
    // object's size counts in the memory of each resident entity.
    private readonly RootInfo? _root;

    private ActorPath(ActorPath? parent, string name, string? system, string? address = null)
    {
        Parent = parent;
        Name = name;
        _root = parent is null ? new RootInfo(system!, address) : null;
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
            return p._root!.System;
        }
    }

    /// <summary>The node address of the root (e.g. "host:port"); null for a path of a local actor.</summary>
    public string? Address
    {
        get
        {
            var p = this;
            while (p.Parent is not null)
            {
                p = p.Parent;
            }
            return p._root!.Address;
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

    /// <summary>The root path of a system on the node at <paramref name="address"/> (e.g. "host:port").</summary>
    public static ActorPath Root(string systemName, string address)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(systemName);
        ValidateAddress(address);
        return new ActorPath(null, string.Empty, systemName, address);
    }

    /// <summary>The same elements under a root with <paramref name="address"/> (null: without address).</summary>
    public ActorPath WithAddress(string? address)
    {
        if (address is not null)
        {
            ValidateAddress(address);
        }
        if (Parent is null)
        {
            return string.Equals(_root!.Address, address, StringComparison.Ordinal) ? this : new ActorPath(null, string.Empty, _root.System, address);
        }
        var root = Parent.WithAddress(address);
        return ReferenceEquals(root, Parent) ? this : new ActorPath(root, Name, null);
    }

    /// <summary>The elements below the root, e.g. <c>/user/a/b</c> (<c>/</c> for the root).</summary>
    public string ToElementString()
    {
        if (Parent is null)
        {
            return "/";
        }
        var sb = new StringBuilder();
        AppendElements(sb, this);
        return sb.ToString();
    }

    /// <summary>
    /// Reads <c>actorrec://system[@address]/elem/elem</c>. Throws <see cref="FormatException"/> naming what is wrong.
    /// </summary>
    public static ActorPath Parse(string text)
    {
        if (!TryParse(text, out var path, out var error))
        {
            throw new FormatException($"'{text}' is not an actor path: {error}.");
        }
        return path;
    }

    /// <summary>Like <see cref="Parse"/>, without throwing; <paramref name="error"/> says what is wrong.</summary>
    public static bool TryParse(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ActorPath? path, out string? error)
    {
        path = null;
        if (text is null || !text.StartsWith(Scheme, StringComparison.Ordinal))
        {
            error = "it must start with '" + Scheme + "'";
            return false;
        }
        var rest = text.AsSpan(Scheme.Length);
        var slash = rest.IndexOf('/');
        var authority = slash < 0 ? rest : rest[..slash];
        var at = authority.IndexOf('@');
        var system = at < 0 ? authority : authority[..at];
        var address = at < 0 ? null : authority[(at + 1)..].ToString();
        if (system.IsEmpty || (address is not null && address.Length == 0))
        {
            error = "the system name (and the address after '@', when given) must not be empty";
            return false;
        }
        var current = new ActorPath(null, string.Empty, system.ToString(), address);
        if (slash >= 0)
        {
            foreach (var range in rest[(slash + 1)..].Split('/'))
            {
                var name = rest[(slash + 1)..][range];
                if (name.IsEmpty)
                {
                    continue;
                }
                current = new ActorPath(current, name.ToString(), null);
            }
        }
        path = current;
        error = null;
        return true;
    }

    private static void ValidateAddress(string address)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(address);
        foreach (var c in address)
        {
            if (c == '/' || c == '@' || char.IsWhiteSpace(c))
            {
                throw new ArgumentException($"Node address '{address}' contains the illegal character '{c}'.", nameof(address));
            }
        }
    }

    private static void AppendElements(StringBuilder sb, ActorPath path)
    {
        if (path.Parent is null)
        {
            return;
        }
        AppendElements(sb, path.Parent);
        sb.Append('/').Append(path.Name);
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
            if (!string.Equals(a.Name, b.Name, StringComparison.Ordinal) || !string.Equals(a._root?.System, b._root?.System, StringComparison.Ordinal)
                || !string.Equals(a._root?.Address, b._root?.Address, StringComparison.Ordinal))
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

    /// <summary>e.g. <c>actorrec://sys/user/a/b</c>, or <c>actorrec://sys@host:port/user/a/b</c> with an address.</summary>
    public override string ToString()
    {
        var p = this;
        while (p.Parent is not null)
        {
            p = p.Parent;
        }
        var sb = new StringBuilder(Scheme).Append(p._root!.System);
        if (p._root.Address is not null)
        {
            sb.Append('@').Append(p._root.Address);
        }
        AppendElements(sb, this);
        return sb.ToString();
    }

    private sealed record RootInfo(string System, string? Address);
}
