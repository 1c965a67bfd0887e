namespace ActorRec.Server.Configuration;

/// <summary>
/// A setting has a value the module cannot run with. <see cref="Key"/> is the full HOCON path
/// (for example <c>actorrec.server.http.port</c>) so the operator knows which line to fix.
/// </summary>
public sealed class SettingsException : Exception
{
    public SettingsException(string key, string message)
        : base($"{key}: {message}")
    {
        Key = key;
    }

    /// <summary>The full path of the offending key.</summary>
    public string Key { get; }
}
