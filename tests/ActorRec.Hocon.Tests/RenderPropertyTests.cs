using FsCheck;
using FsCheck.Fluent;

namespace ActorRec.Hocon.Tests;

public sealed class RenderPropertyTests
{
    [Fact]
    public void Json_rendering_keeps_number_text_and_escapes_strings()
    {
        var config = Hocon.Resolve("a = 1e6\nb = \"q\\\"\\n\"\nc = [true, null]\nd {}\ne = 0.50");
        Assert.Equal("""{"a":1e6,"b":"q\"\n","c":[true,null],"d":{},"e":0.50}""", config.Render(json: true, indent: false));
        Assert.Equal("{\n  \"a\": 1e6,\n  \"b\": \"q\\\"\\n\",\n  \"c\": [\n    true,\n    null\n  ],\n  \"d\": {},\n  \"e\": 0.50\n}", config.Render(json: true));
    }

    [Fact]
    public void Hocon_rendering_quotes_only_keys_that_need_it()
    {
        var config = Hocon.Resolve("plain-key_1 = 1\n\"dotted.key\" = 2\n\"\" = 3\n\"include\" = 4");
        Assert.Equal("""{plain-key_1=1,"dotted.key"=2,""=3,"include"=4}""", config.Render(json: false, indent: false));
    }

    [Fact]
    public void Rendering_an_unresolved_config_asks_for_resolve()
    {
        var e = Assert.Throws<HoconException>(() => ConfigFactory.ParseString("a = ${b}\nb = 1").Render(json: true));
        Assert.Contains("call Resolve() first", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Rendering_a_random_value_tree_and_parsing_it_back_gives_the_same_value()
    {
        var property = Prop.ForAll(RootObjects().ToArbitrary(), root =>
        {
            foreach (var indent in new[] { true, false })
            {
                var hocon = ConfigFactory.ParseString(root.Render(json: false, indent)).Resolve();
                var json = ConfigFactory.ParseString(root.Render(json: true, indent), new HoconParseOptions { Syntax = HoconSyntax.Json }).Resolve();
                if (!HoconValue.ValueEquals(root, hocon.Root) || !HoconValue.ValueEquals(root, json.Root))
                {
                    return false;
                }
            }

            return true;
        });
        Check.One(FsCheck.Config.QuickThrowOnFailure.WithMaxTest(300), property);
    }

    private static Gen<HoconObject> RootObjects() => Gen.Sized(size => ObjectOf(Math.Min(size, 12)));

    private static Gen<HoconValue> ValueOf(int size) =>
        size <= 1
            ? Scalars()
            : Gen.Frequency(
                (4, Scalars()),
                (1, ArrayOf(size / 2).Select(a => (HoconValue)a)),
                (1, ObjectOf(size / 2).Select(o => (HoconValue)o)));

    private static Gen<HoconArray> ArrayOf(int size) =>
        ValueOf(size).ListOf().Resize(size).Select(items => new HoconArray(items));

    private static Gen<HoconObject> ObjectOf(int size) =>
        Gen.Zip(Keys(), ValueOf(size)).ListOf().Resize(size).Select(fields =>
        {
            return new HoconObject(fields.Select(f => KeyValuePair.Create(f.Item1, f.Item2)).DistinctBy(f => f.Key));
        });

    private static Gen<string> Keys() =>
        Gen.OneOf(
            Gen.Elements("a", "b", "port", "x.y", "", " ", "include", "true", "10", "-", "a b", "${x}", "é"),
            Strings());

    private static Gen<string> Strings() => ArbMap.Default.GeneratorFor<string>().Where(s => s is not null);

    private static Gen<HoconValue> Scalars() =>
        Gen.OneOf(
            Strings().Select(s => (HoconValue)new HoconString(s)),
            Gen.Elements("", "${a}", "true", "10", " padded ", "\"\"\"", "line\nbreak", "// not a comment").Select(s => (HoconValue)new HoconString(s)),
            ArbMap.Default.GeneratorFor<long>().Select(l => (HoconValue)HoconNumber.FromLong(l)),
            Gen.Elements(long.MinValue, long.MaxValue, 0L, -1L).Select(l => (HoconValue)HoconNumber.FromLong(l)),
            ArbMap.Default.GeneratorFor<double>().Where(double.IsFinite).Select(d => (HoconValue)HoconNumber.FromDouble(d)),
            ArbMap.Default.GeneratorFor<bool>().Select(b => (HoconValue)new HoconBoolean(b)),
            Gen.Constant((HoconValue)new HoconNull()));
}
