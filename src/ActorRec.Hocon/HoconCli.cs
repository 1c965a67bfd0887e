namespace ActorRec.Hocon;

/// <summary>
/// The <c>actorrec config resolve FILE [--json]</c> contract, for the CLI to call: the resolved config on
/// stdout and exit code 0, or <c>FILE:LINE:COL: message</c> on stderr and exit code 2.
/// </summary>
public static class HoconCli
{
    public const int Ok = 0;
    public const int BadConfig = 2;

    public static int Resolve(string file, bool json, TextWriter stdout, TextWriter stderr, IReadOnlyDictionary<string, string>? env)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        string text;
        try
        {
            text = ConfigFactory.ParseFile(file).Resolve(env).Render(json, indent: true);
        }
        catch (HoconException e)
        {
            stderr.WriteLine(e.Origin is null ? $"{file}:1:1: {e.Reason}" : e.Message);
            return BadConfig;
        }

        stdout.WriteLine(text);
        return Ok;
    }
}
