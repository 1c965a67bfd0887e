using System.Security.Cryptography;
using System.Text;
using ActorRec.Server.Problems;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ActorRec.Server.Admin;

/// <summary>
/// Endpoint filter of every <c>/admin</c> route: the request must carry <c>Authorization: Bearer TOKEN</c> with the
/// configured token, else 401 problem+json (with <c>WWW-Authenticate: Bearer</c>). Tokens are compared as SHA-256
/// digests with <see cref="CryptographicOperations.FixedTimeEquals"/>, so the time taken says nothing about how much
/// of a guess was right, nor about the token's length.
/// </summary>
internal sealed partial class AdminAuthorization(AdminSettings settings, ILogger<AdminAuthorization> logger) : IEndpointFilter
{
    private readonly byte[] _expected = SHA256.HashData(Encoding.UTF8.GetBytes(settings.Token));

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var http = context.HttpContext;
        var problem = Check(http.Request.Headers.Authorization.ToString());
        if (problem is null)
        {
            return await next(context).ConfigureAwait(false);
        }

        LogRefused(http.Request.Method, http.Request.Path, problem);
        http.Response.Headers.WWWAuthenticate = "Bearer";
        return ApiProblems.Create(StatusCodes.Status401Unauthorized, "unauthorized", "Admin token required", problem, "Authorization");
    }

    /// <summary>Null when the header carries the token; else what is wrong with it.</summary>
    internal string? Check(string header)
    {
        if (!settings.Enabled)
        {
            return $"the admin API is disabled on this node: set {AdminSettings.TokenEnvironmentVariable} (or actorrec.admin.token)";
        }

        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return "send the admin token as 'Authorization: Bearer TOKEN'";
        }

        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(header[scheme.Length..].Trim()));
        return CryptographicOperations.FixedTimeEquals(presented, _expected) ? null : "the admin token is wrong";
    }

    [LoggerMessage(EventId = 1150, Level = LogLevel.Warning, Message = "Admin request {Method} {Path} refused: {Problem}")]
    private partial void LogRefused(string method, string path, string problem);
}

/// <summary>Adds the admin token check to a route group.</summary>
public static class AdminAuthorizationExtensions
{
    public static TBuilder RequireAdminToken<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddEndpointFilterFactory((factory, next) =>
        {
            var services = factory.ApplicationServices;
            var filter = new AdminAuthorization(
                services.GetService<AdminSettings>() ?? AdminSettings.Disabled,
                services.GetRequiredService<ILogger<AdminAuthorization>>());
            return invocation => filter.InvokeAsync(invocation, next);
        });
        return builder;
    }
}
