namespace ActorRec.Hocon;

/// <summary>
/// Resolves substitutions in an unresolved tree.
///
/// How it works. Every path has a list of definitions, newest first: a plain object field contributes its
/// value; a merge stack contributes its elements. A lookup (<c>${a.b.c}</c>) walks from the root one key at
/// a time without resolving anything it does not have to: from each definition of the parent it takes the
/// child field of objects, and resolves only the substitutions and concatenations it meets (their value
/// decides whether anything below them is visible: an object merges with what is below, anything else hides
/// it). The final definitions are then resolved and folded top-down into one value.
///
/// Self-reference. While a substitution or concatenation that is one definition of path P is being
/// resolved, the context records (P, that definition). Any lookup that reaches P drops the definitions from
/// the top down to and including that one, so it sees exactly the value "below" it: <c>a = ${a} [3]</c>
/// appends to the previous a, <c>x += 1</c> inside <c>c { }</c> sees the earlier c.x, and a lookup with
/// nothing left below falls back to the environment, then counts as undefined (an optional substitution
/// vanishes, a required one is a cycle error). Objects in a stack are resolved without such a record, so
/// siblings see each other's final values.
///
/// Cycles. A node whose resolution starts again while it is still in progress is a cycle: an optional
/// substitution that runs into one is undefined, a required one fails naming the chain.
///
/// Results are memoised per node when no self-reference record influenced them.
/// </summary>
internal sealed class Resolver
{
    private readonly HoconObject _root;
    private readonly IReadOnlyDictionary<string, string>? _environment;
    private readonly Dictionary<HoconValue, HoconValue?> _memo = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<HoconValue> _inProgress = new(ReferenceEqualityComparer.Instance);
    private readonly List<HoconSubstitution> _active = [];
    private long _truncations;
    private int _depth;

    private Resolver(HoconObject root, IReadOnlyDictionary<string, string>? environment)
    {
        _root = root;
        _environment = environment;
    }

    public static HoconObject Resolve(HoconObject root, IReadOnlyDictionary<string, string>? environment)
    {
        if (root.IsResolved)
        {
            return root;
        }

        var resolver = new Resolver(root, environment);
        try
        {
            return (HoconObject)resolver.ResolveValue(root, [], null)!;
        }
        catch (CycleException e)
        {
            throw new HoconException(e.Message, e.Origin);
        }
    }

    /// <summary>A record that the given definition of the given path is being resolved.</summary>
    private sealed record Context(Context? Parent, IReadOnlyList<string> Path, HoconValue Element);

    private sealed class CycleException(string message, HoconOrigin? origin) : Exception(message)
    {
        public HoconOrigin? Origin { get; } = origin;
    }

    private HoconValue? ResolveValue(HoconValue value, IReadOnlyList<string>? path, Context? ctx)
    {
        if (value.IsResolved)
        {
            return value;
        }

        if (_memo.TryGetValue(value, out var known))
        {
            return known;
        }

        if (!_inProgress.Add(value))
        {
            throw new CycleException($"substitution cycle: {DescribeChain()}", value.Origin);
        }

        if (++_depth > 2000)
        {
            throw new HoconException("substitutions nest more than 2000 deep (probably a cycle)", value.Origin);
        }

        var before = _truncations;
        HoconValue? result;
        try
        {
            result = value switch
            {
                HoconObject o => ResolveObject(o, path, ctx),
                HoconArray a => ResolveArray(a, ctx),
                HoconSubstitution s => ResolveSubstitution(s, ctx),
                HoconConcatenation c => ResolveConcatenation(c, path, ctx),
                HoconMergeStack m => ResolveDefinitions(Truncate(Expand(m), path, ctx, out _), path, ctx),
                _ => value,
            };
        }
        finally
        {
            _inProgress.Remove(value);
            _depth--;
        }

        if (_truncations == before)
        {
            _memo[value] = result;
        }

        return result;
    }

    private HoconObject ResolveObject(HoconObject obj, IReadOnlyList<string>? path, Context? ctx)
    {
        var result = new HoconObject(obj.Origin);
        foreach (var (key, node) in obj)
        {
            var childPath = path is null ? null : Append(path, key);
            var defs = Truncate(Expand(node), childPath, ctx, out var truncated);
            if (defs.Count == 0 && truncated)
            {
                throw new CycleException($"the value of '{HoconPath.Render(childPath!)}' depends on itself: {DescribeChain()}", node.Origin);
            }

            var value = ResolveDefinitions(defs, childPath, ctx);
            if (value is not null)
            {
                result.Set(key, value);
            }
        }

        return result;
    }

    private HoconArray ResolveArray(HoconArray array, Context? ctx)
    {
        var items = new List<HoconValue>(array.Count);
        foreach (var item in array)
        {
            // Array elements have no path: a substitution inside an array is never a self-reference.
            var value = ResolveDefinitions(Expand(item), null, ctx);
            if (value is not null)
            {
                items.Add(value);
            }
        }

        return new HoconArray(items, array.Origin);
    }

    private HoconValue? ResolveConcatenation(HoconConcatenation concat, IReadOnlyList<string>? path, Context? ctx)
    {
        var pieces = new List<HoconValue>(concat.Pieces.Count);
        foreach (var piece in concat.Pieces)
        {
            var value = ResolveValue(piece, path, ctx);
            if (value is not null)
            {
                pieces.Add(value);
            }
        }

        return Concatenation.Fold(pieces, concat.Origin);
    }

    /// <summary>Folds definitions (newest first): objects merge downwards, the first non-object ends the fold.</summary>
    private HoconValue? ResolveDefinitions(IReadOnlyList<HoconValue> defs, IReadOnlyList<string>? path, Context? ctx)
    {
        HoconValue? result = null;
        foreach (var def in defs)
        {
            var value = ResolveDefinition(def, path, ctx);
            if (value is null)
            {
                continue;
            }

            if (result is null)
            {
                result = value;
                if (value is not HoconObject)
                {
                    break;
                }

                continue;
            }

            if (value is not HoconObject below)
            {
                break;
            }

            result = ValueMerger.MergeObjects(below, (HoconObject)result, inPlace: false);
        }

        return result;
    }

    private HoconValue? ResolveDefinition(HoconValue def, IReadOnlyList<string>? path, Context? ctx) =>
        ValueMerger.NeedsResolving(def) && path is not null
            ? ResolveValue(def, path, new Context(ctx, path, def))
            : ResolveValue(def, path, ctx);

    private HoconValue? ResolveSubstitution(HoconSubstitution s, Context? ctx)
    {
        _active.Add(s);
        try
        {
            var value = Lookup(s.Path, ctx, out var selfReference);
            var unprefixed = s.Path;
            if (value is null && s.PrefixLength > 0)
            {
                unprefixed = s.Path.Skip(s.PrefixLength).ToArray();
                value = Lookup(unprefixed, ctx, out var again);
                selfReference |= again;
            }

            if (value is null && unprefixed.Count == 1 && _environment is not null
                && _environment.TryGetValue(unprefixed[0], out var env))
            {
                value = new HoconString(env, s.Origin);
            }

            if (value is null && !s.Optional)
            {
                var reason = selfReference
                    ? $"substitution {s.Expression} refers back to itself with no earlier value of '{HoconPath.Render(s.Path)}' below it (cycle: {DescribeChain()})"
                    : $"could not resolve substitution {s.Expression}: '{HoconPath.Render(s.Path)}' is not defined in the config"
                        + (unprefixed.Count == 1 ? " nor in the environment" : "");
                throw new HoconException(reason, s.Origin, HoconPath.Render(s.Path));
            }

            return value;
        }
        catch (CycleException) when (s.Optional)
        {
            // An optional substitution that runs into a cycle is undefined, as in the reference implementation.
            return null;
        }
        catch (CycleException e)
        {
            throw new HoconException($"substitution {s.Expression} is part of a cycle: {e.Message}", s.Origin, HoconPath.Render(s.Path));
        }
        finally
        {
            _active.RemoveAt(_active.Count - 1);
        }
    }

    /// <summary>Finds and resolves the value at an absolute path; null when there is none.</summary>
    private HoconValue? Lookup(IReadOnlyList<string> path, Context? ctx, out bool selfReference)
    {
        selfReference = false;
        IReadOnlyList<HoconValue> defs = [_root];
        IReadOnlyList<string> parent = [];
        foreach (var key in path)
        {
            var childPath = Append(parent, key);
            defs = Truncate(Step(defs, key, parent, ctx), childPath, ctx, out var truncated);
            selfReference |= truncated;
            if (defs.Count == 0)
            {
                return null;
            }

            parent = childPath;
        }

        return ResolveDefinitions(defs, path, ctx);
    }

    /// <summary>The definitions of <paramref name="key"/> under the definitions of its parent.</summary>
    private List<HoconValue> Step(IReadOnlyList<HoconValue> parentDefs, string key, IReadOnlyList<string> parentPath, Context? ctx)
    {
        var result = new List<HoconValue>();
        foreach (var def in parentDefs)
        {
            HoconObject? obj;
            if (def is HoconObject o)
            {
                obj = o;
            }
            else if (ValueMerger.NeedsResolving(def))
            {
                var value = ResolveDefinition(def, parentPath.Count == 0 ? null : parentPath, ctx);
                if (value is null)
                {
                    continue;
                }

                obj = value as HoconObject;
            }
            else
            {
                obj = null;
            }

            if (obj is null)
            {
                // A non-object hides everything below it and has no fields.
                break;
            }

            if (obj.TryGetValue(key, out var child))
            {
                result.AddRange(Expand(child));
            }
        }

        return result;
    }

    private static IReadOnlyList<HoconValue> Expand(HoconValue node)
    {
        if (node is not HoconMergeStack stack)
        {
            return [node];
        }

        var list = new List<HoconValue>(stack.Stack.Count);
        for (var i = stack.Stack.Count - 1; i >= 0; i--)
        {
            list.AddRange(Expand(stack.Stack[i]));
        }

        return list;
    }

    /// <summary>Drops the definitions of <paramref name="path"/> from the newest down to the one being resolved.</summary>
    private IReadOnlyList<HoconValue> Truncate(IReadOnlyList<HoconValue> defs, IReadOnlyList<string>? path, Context? ctx, out bool truncated)
    {
        truncated = false;
        if (path is null || defs.Count == 0)
        {
            return defs;
        }

        var cut = -1;
        for (var c = ctx; c is not null; c = c.Parent)
        {
            if (!SamePath(c.Path, path))
            {
                continue;
            }

            for (var i = 0; i < defs.Count; i++)
            {
                if (ReferenceEquals(defs[i], c.Element))
                {
                    cut = Math.Max(cut, i);
                    break;
                }
            }
        }

        if (cut < 0)
        {
            return defs;
        }

        truncated = true;
        _truncations++;
        var rest = new List<HoconValue>(defs.Count - cut - 1);
        for (var i = cut + 1; i < defs.Count; i++)
        {
            rest.Add(defs[i]);
        }

        return rest;
    }

    private string DescribeChain()
    {
        if (_active.Count == 0)
        {
            return "(no substitution)";
        }

        return string.Join(" -> ", _active.Select(a => a.Expression));
    }

    private static bool SamePath(IReadOnlyList<string> a, IReadOnlyList<string> b)
    {
        if (a.Count != b.Count)
        {
            return false;
        }

        for (var i = 0; i < a.Count; i++)
        {
            if (!string.Equals(a[i], b[i], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private static string[] Append(IReadOnlyList<string> path, string key)
    {
        var result = new string[path.Count + 1];
        for (var i = 0; i < path.Count; i++)
        {
            result[i] = path[i];
        }

        result[^1] = key;
        return result;
    }
}
