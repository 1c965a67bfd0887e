namespace ActorRec.Hocon.Tests;

public sealed class ErrorPositionTests
{
    [Theory]
    [InlineData("a = 1\nb = \"open", 2, 5, "unterminated quoted string")]
    [InlineData("a {\n  b = 1\n", 3, 1, "expected '}' to close the object opened at 1:3")]
    [InlineData("a = [1, 2\nb = 3", 2, 3, "expected ',', a newline or ']' after an array element, found '='")]
    [InlineData("a = \"x\\qy\"", 1, 7, "invalid escape sequence '\\q'")]
    [InlineData("a = 1 }", 1, 7, "unbalanced '}'")]
    [InlineData("a = foo@bar", 1, 8, "reserved character '@'")]
    [InlineData("a =", 1, 4, "expected a value after '=', found end of file")]
    [InlineData("x {\n  foo\n  bar = 1\n}", 3, 3, "expected ':', '=', '+=' or '{' after the key 'foo', found 'bar'")]
    [InlineData("{ [1] : 2 }", 1, 3, "expected a key (field name): an array ('[') cannot be a key")]
    [InlineData("a = abc { x = 1 }", 1, 9, "cannot concatenate the string \"abc\" with an object")]
    [InlineData("a = $ {b}", 1, 5, "'$' must be followed directly by '{'")]
    [InlineData("a = ${ ?b}", 1, 8, "'?' is not allowed in a substitution path")]
    [InlineData("{}\nx", 2, 1, "expected end of file after the root object's closing '}'")]
    [InlineData("a = [1, , 2]", 1, 9, "expected an array element or ']' after ',', found ','")]
    [InlineData("a = \"\"\"never closed", 1, 5, "unterminated triple-quoted string")]
    [InlineData("a = 1\nb = ${a} ${nope}", 2, 10, "could not resolve substitution ${nope}")]
    public void Errors_carry_file_line_column_and_what_was_expected(string text, int line, int column, string expected)
    {
        var e = Hocon.Error(text);
        Assert.Equal("test.conf", e.File);
        Assert.Equal((line, column), (e.Line, e.Column));
        Assert.Contains(expected, e.Reason, StringComparison.Ordinal);
        Assert.StartsWith($"test.conf:{line}:{column}: ", e.Message, StringComparison.Ordinal);
        Assert.Equal(e.Message, e.ToString());
    }

    [Fact]
    public void Errors_in_included_files_name_the_included_file()
    {
        using var dir = new TempDir();
        dir.Write("sub/inner.conf", "ok = 1\nbad = [\n");
        var main = dir.Write("main.conf", "include \"sub/inner.conf\"\n");
        var e = Assert.Throws<HoconException>(() => ConfigFactory.ParseFile(main));
        Assert.EndsWith("inner.conf", e.File, StringComparison.Ordinal);
        Assert.Equal(3, e.Line);
        Assert.Contains("expected ']' to close the array opened at 2:7", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_file_is_reported_with_its_path()
    {
        var e = Assert.Throws<HoconException>(() => ConfigFactory.ParseFile("/no/such/dir/app.conf"));
        Assert.Equal("/no/such/dir/app.conf:1:1: config file not found: /no/such/dir/app.conf", e.Message);
    }
}
