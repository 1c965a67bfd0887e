using ActorRec.Hocon;
using ActorRec.Hocon.Settings;

namespace ActorRec.Server.Admin;

/// <summary>
/// Typed settings of the admin API, read once from <c>actorrec.admin</c> (see reference.conf). The token usually
/// comes from <c>ACTORREC_ADMIN_TOKEN</c> (reference.conf substitutes it); with no token every admin request is
/// refused.
/// </summary>
public sealed record AdminSettings
{
    /// <summary>The environment variable reference.conf reads the token from.</summary>
    public const string TokenEnvironmentVariable = "ACTORREC_ADMIN_TOKEN";

    /// <summary>Shortest token accepted (a guessable token is worse than none).</summary>
    public const int MinTokenLength = 16;

    private AdminSettings(string token)
    {
        Token = token;
    }

    /// <summary>No token: the admin API refuses everything.</summary>
    public static AdminSettings Disabled { get; } = new("");

    /// <summary>The bearer token admin requests must present; empty when the admin API is disabled.</summary>
    public string Token { get; }

    public bool Enabled => Token.Length > 0;

    /// <summary>Reads <c>actorrec.admin.token</c> from a resolved config that includes this module's reference.conf.</summary>
    public static AdminSettings Create(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return Create(config.GetOptionalString("actorrec.admin.token") ?? "");
    }

    /// <summary>Validates a token ("" disables the admin API); a short one throws naming the key.</summary>
    public static AdminSettings Create(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (token.Length > 0 && (token.Length < MinTokenLength || token.Any(char.IsWhiteSpace)))
        {
            throw new SettingsException("actorrec.admin.token",
                $"must be at least {MinTokenLength} characters without spaces (set {TokenEnvironmentVariable}), or empty to disable the admin API");
        }

        return new AdminSettings(token);
    }
}
