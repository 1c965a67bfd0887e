namespace ActorRec.Hocon.Tests;

public sealed class GetterTests
{
    private static readonly Config Sample = Hocon.Resolve("""
        s = text
        n = 42
        big = 2147483648
        f = 2.5
        numeric-string = "17"
        b = on
        d { plain = 250, secs = 10s, hours = "1.5 hours", day = 1d, micros = 3us, nanos = 1500ns, min = 2 minutes }
        size { plain = 100, mib = 512MiB, kb = 10kB, k = 2k, g = 1G, half = 0.5M, huge = 8EiB }
        lists { s = [a, b], d = [1s, 500, "2 ms"], z = [1K, 1kB], i = [1, 2], o = [{ x = 1 }, { x = 2 }] }
        sub { a { b = 1 } }
        """);

    [Fact]
    public void Scalars_read_as_their_types_with_string_conversions()
    {
        Assert.Equal("text", Sample.GetString("s"));
        Assert.Equal("42", Sample.GetString("n"));
        Assert.Equal(42, Sample.GetInt("n"));
        Assert.Equal(2147483648L, Sample.GetLong("big"));
        Assert.Equal(2.5, Sample.GetDouble("f"));
        Assert.Equal(17, Sample.GetInt("numeric-string"));
        Assert.True(Sample.GetBoolean("b"));
    }

    [Fact]
    public void Int_out_of_32_bit_range_is_an_error_naming_path_and_type()
    {
        var e = Assert.Throws<HoconException>(() => Sample.GetInt("big"));
        Assert.Equal("big", e.Path);
        Assert.Contains("'big': expected int (32-bit integer), got the number 2147483648 (out of the 32-bit range)", e.Message, StringComparison.Ordinal);
        Assert.StartsWith("test.conf:", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrong_types_name_the_full_path_and_the_expected_type()
    {
        Assert.Contains("'s': expected long", Assert.Throws<HoconException>(() => Sample.GetLong("s")).Message, StringComparison.Ordinal);
        Assert.Contains("'f': expected long", Assert.Throws<HoconException>(() => Sample.GetLong("f")).Message, StringComparison.Ordinal);
        Assert.Contains("'s': expected boolean", Assert.Throws<HoconException>(() => Sample.GetBoolean("s")).Message, StringComparison.Ordinal);
        Assert.Contains("'sub.a': expected string, got an object", Assert.Throws<HoconException>(() => Sample.GetString("sub.a")).Message, StringComparison.Ordinal);
        Assert.Contains("'lists.s[0]': expected int", Assert.Throws<HoconException>(() => Sample.GetIntList("lists.s")).Message, StringComparison.Ordinal);
        Assert.Contains("'s': expected list", Assert.Throws<HoconException>(() => Sample.GetStringList("s")).Message, StringComparison.Ordinal);
        Assert.Equal("missing config key 'sub.a.zzz'", Assert.Throws<HoconException>(() => Sample.GetString("sub.a.zzz")).Message);
    }

    [Fact]
    public void Durations_take_all_units_and_a_bare_number_is_milliseconds()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(250), Sample.GetDuration("d.plain"));
        Assert.Equal(TimeSpan.FromSeconds(10), Sample.GetDuration("d.secs"));
        Assert.Equal(TimeSpan.FromMinutes(90), Sample.GetDuration("d.hours"));
        Assert.Equal(TimeSpan.FromDays(1), Sample.GetDuration("d.day"));
        Assert.Equal(TimeSpan.FromMinutes(2), Sample.GetDuration("d.min"));
        Assert.Equal(3_000L, Sample.GetDurationNanoseconds("d.micros"));
        Assert.Equal(1_500L, Sample.GetDurationNanoseconds("d.nanos"));
        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(2)], Sample.GetDurationList("lists.d"));
    }

    [Theory]
    [InlineData("1 fortnight", "unknown duration unit 'fortnight'")]
    [InlineData("ms", "no number")]
    [InlineData("1.2.3s", "invalid number '1.2.3'")]
    [InlineData("99999999999d", "out of range")]
    public void Bad_durations_explain_themselves(string text, string expected)
    {
        var config = Hocon.Resolve("t = \"" + text + "\"");
        var e = Assert.Throws<HoconException>(() => config.GetDuration("t"));
        Assert.Contains("'t': expected duration", e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sizes_use_1024_for_binary_units_and_1000_for_si_units()
    {
        Assert.Equal(100L, Sample.GetBytes("size.plain"));
        Assert.Equal(512L * 1024 * 1024, Sample.GetBytes("size.mib"));
        Assert.Equal(10_000L, Sample.GetBytes("size.kb"));
        Assert.Equal(2048L, Sample.GetBytes("size.k"));
        Assert.Equal(1L << 30, Sample.GetBytes("size.g"));
        Assert.Equal(524_288L, Sample.GetBytes("size.half"));
        Assert.Equal([1024L, 1000L], Sample.GetBytesList("lists.z"));
        var e = Assert.Throws<HoconException>(() => Sample.GetBytes("size.huge"));
        Assert.Contains("out of range for a signed 64-bit count", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Lists_and_sub_configs_read_typed()
    {
        Assert.Equal(["a", "b"], Sample.GetStringList("lists.s"));
        Assert.Equal([1, 2], Sample.GetIntList("lists.i"));
        Assert.Equal([1, 2], Sample.GetConfigList("lists.o").Select(c => c.GetInt("x")));
        var sub = Sample.GetConfig("sub");
        Assert.Equal(1, sub.GetInt("a.b"));
        Assert.True(Sample.HasPath("sub.a.b"));
        Assert.False(Sample.HasPath("sub.a.b.c"));
        Assert.False(Sample.HasPath("nope"));
        Assert.IsType<HoconObject>(Sample.GetValue("sub.a"));
    }

    [Fact]
    public void Invalid_path_expressions_are_rejected()
    {
        Assert.Throws<HoconException>(() => Sample.GetString("a..b"));
        Assert.Throws<HoconException>(() => Sample.GetString(".a"));
        Assert.Equal(["a", "b.c", ""], HoconPath.Parse("a.\"b.c\".\"\""));
    }

    [Theory]
    [InlineData("2m"), InlineData("2 minutes"), InlineData("2minute"), InlineData("120s"), InlineData("120 second"), InlineData("120000"),
     InlineData("120000 millis"), InlineData("120000milli"), InlineData("120000 milliseconds"), InlineData("120000000us"), InlineData("120000000 micro"),
     InlineData("120000000000ns"), InlineData("120000000000 nanos"), InlineData("120000000000nano"), InlineData("0.5 hours"), InlineData("-2m")]
    public void Every_duration_spelling_reads(string text)
    {
        var expected = text.StartsWith('-') ? -120 : text == "0.5 hours" ? 1800 : 120;
        Assert.Equal(TimeSpan.FromSeconds(expected), Hocon.Resolve("t = \"" + text + "\"").GetDuration("t"));
    }

    [Fact]
    public void Decimals_read_exactly_from_the_original_text()
    {
        var config = Hocon.Resolve("a = 0.1\nb = 12345678901234567890.5");
        Assert.Equal(0.1m, config.GetDecimal("a"));
        Assert.Equal(12345678901234567890.5m, config.GetDecimal("b"));
    }

    [Fact]
    public void Errors_from_a_sub_config_name_the_full_path()
    {
        var sub = Sample.GetConfig("lists");
        Assert.Equal("lists", sub.PathFromRoot);
        Assert.Contains("'lists.s': expected int", Assert.Throws<HoconException>(() => sub.GetInt("s")).Message, StringComparison.Ordinal);
        Assert.Equal("missing config key 'lists.nope'", Assert.Throws<HoconException>(() => sub.GetInt("nope")).Message);
        var item = Sample.GetConfigList("lists.o")[1];
        Assert.Contains("'lists.o[1].x': expected boolean", Assert.Throws<HoconException>(() => item.GetBoolean("x")).Message, StringComparison.Ordinal);
        var settingsError = Assert.Throws<Settings.SettingsException>(() => Settings.SettingsReaders.GetIntInRange(sub, "i", 0, 1));
        Assert.Equal("lists.i", settingsError.Path);
    }
}
