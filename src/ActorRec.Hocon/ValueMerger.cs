namespace ActorRec.Hocon;

/// <summary>
/// The merge rules for two definitions of one path (duplicate keys, includes, <c>WithFallback</c>):
/// an object over an object merges field by field; any other plain value over anything replaces it, and so
/// does an object over a plain non-object; a value that still needs resolving (substitution, concatenation
/// with one, merge stack) cannot be merged yet, so both go on a <see cref="HoconMergeStack"/> that the
/// resolver folds from the top once the values are known.
/// </summary>
internal static class ValueMerger
{
    /// <summary>
    /// Puts <paramref name="over"/> on top of <paramref name="under"/>. With <paramref name="inPlace"/> the
    /// objects of <paramref name="under"/> are changed directly (only for objects the caller built itself);
    /// without it, merged objects are new and the inputs stay as they were.
    /// </summary>
    public static HoconValue Merge(HoconValue? under, HoconValue over, bool inPlace)
    {
        if (under is null)
        {
            return over;
        }

        switch (over)
        {
            case HoconObject o when under is HoconObject u:
                return MergeObjects(u, o, inPlace);
            case HoconObject when NeedsResolving(under):
                return Stack(under, over);
            case HoconObject:
                return over;
            case HoconSubstitution or HoconConcatenation or HoconMergeStack:
                return Stack(under, over);
            default:
                return over;
        }
    }

    /// <summary>Concatenation of objects (<c>{a:1} {b:2}</c>): the later object wins.</summary>
    public static HoconObject MergeObjects(HoconObject under, HoconObject over, bool inPlace)
    {
        HoconObject target;
        if (inPlace)
        {
            target = under;
        }
        else
        {
            target = new HoconObject(under.Origin);
            foreach (var (key, value) in under)
            {
                target.Set(key, value);
            }
        }

        foreach (var (key, value) in over)
        {
            target.Set(key, Merge(target.TryGetValue(key, out var old) ? old : null, value, inPlace));
        }

        return target;
    }

    public static bool NeedsResolving(HoconValue value) =>
        value is HoconSubstitution or HoconConcatenation or HoconMergeStack;

    private static HoconMergeStack Stack(HoconValue under, HoconValue over)
    {
        var list = new List<HoconValue>();
        if (under is HoconMergeStack us)
        {
            list.AddRange(us.Stack);
        }
        else
        {
            list.Add(under);
        }

        if (over is HoconMergeStack os)
        {
            list.AddRange(os.Stack);
        }
        else
        {
            list.Add(over);
        }

        return new HoconMergeStack(list);
    }
}
