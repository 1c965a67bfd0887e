using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ActorRec.Server.Admin;
using Spectre.Console;

namespace ActorRec.Cli.Commands;

/// <summary>
/// <c>actorrec cluster status [--url URL] [--token TOKEN] [--json]</c>: the members of the cluster a node belongs to
/// (status, address, roles, uptime, last heartbeat), its leader and singletons, from <c>GET /admin/cluster</c>.
/// <c>actorrec cluster leave NODE [--url URL] [--token TOKEN]</c>: a graceful leave of any member, through any node.
/// <c>actorrec cluster drain NODE</c>: hands off every shard of a node, then it leaves (see <see cref="ShardCommands"/>).
/// The token defaults to <c>ACTORREC_ADMIN_TOKEN</c>. Exit 1 when the node cannot be reached or refuses.
/// </summary>
internal static class ClusterCommands
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static Command Create(CliContext context)
    {
        var cluster = new Command("cluster", "Cluster operations: status of the members, graceful leave or drain of a node.");
        cluster.Add(Status(context));
        cluster.Add(Leave(context));
        cluster.Add(ShardCommands.Drain(context));
        return cluster;
    }

    internal static Option<string> UrlOption() =>
        new("--url") { Description = "Base address of any node of the cluster.", DefaultValueFactory = _ => "http://127.0.0.1:5080", HelpName = "URL" };

    internal static Option<string> TokenOption() =>
        new("--token") { Description = $"Admin token (default: ${AdminSettings.TokenEnvironmentVariable}).", HelpName = "TOKEN" };

    private static Command Status(CliContext context)
    {
        var url = UrlOption();
        var token = TokenOption();
        var json = new Option<bool>("--json") { Description = "Print the raw JSON of GET /admin/cluster." };
        var status = new Command("status", "Members of the cluster: status, address, roles, uptime, last heartbeat.") { url, token, json };
        status.SetAction(async (parseResult, cancellationToken) =>
        {
            using var http = Client(context, parseResult.GetValue(url)!, parseResult.GetValue(token));
            using var response = await SendAsync(context, http, HttpMethod.Get, "admin/cluster", cancellationToken).ConfigureAwait(false);
            if (response is null || !await EnsureSuccessAsync(context, response, cancellationToken).ConfigureAwait(false))
            {
                return ExitCodes.Failure;
            }

            var body = await response.Content.ReadFromJsonAsync<ClusterStatusResponse>(Json, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException("the node answered with an empty body");
            if (parseResult.GetValue(json))
            {
                await context.Output.WriteLineAsync(JsonSerializer.Serialize(body, Json)).ConfigureAwait(false);
            }
            else
            {
                WriteTable(body, context);
            }

            return ExitCodes.Ok;
        });
        return status;
    }

    private static Command Leave(CliContext context)
    {
        var node = new Argument<string>("NODE") { Description = "Name of the node that should leave." };
        var url = UrlOption();
        var token = TokenOption();
        var leave = new Command("leave", "Graceful leave of a node (leaving, hand-off, exiting, removed); the node then stops.") { node, url, token };
        leave.SetAction(async (parseResult, cancellationToken) =>
        {
            var name = parseResult.GetValue(node)!;
            using var http = Client(context, parseResult.GetValue(url)!, parseResult.GetValue(token));
            using var response = await SendAsync(context, http, HttpMethod.Post, "admin/cluster/leave/" + Uri.EscapeDataString(name), cancellationToken).ConfigureAwait(false);
            if (response is null || !await EnsureSuccessAsync(context, response, cancellationToken).ConfigureAwait(false))
            {
                return ExitCodes.Failure;
            }

            await context.Output.WriteLineAsync($"{name} is leaving the cluster (watch it with: actorrec cluster status)").ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return leave;
    }

    internal static HttpClient Client(CliContext context, string url, string? token)
    {
        if (!Uri.TryCreate(url.EndsWith('/') ? url : url + "/", UriKind.Absolute, out var baseAddress) || baseAddress.Scheme is not ("http" or "https"))
        {
            throw new UsageException($"--url '{url}' is not an http(s) address");
        }

        var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        token ??= context.Environment.TryGetValue(AdminSettings.TokenEnvironmentVariable, out var fromEnvironment) ? fromEnvironment : null;
        if (!string.IsNullOrEmpty(token))
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return http;
    }

    /// <summary>
    /// Sends one request; null (with a line on stderr) when the node cannot be reached or does not answer within the
    /// client's timeout (<paramref name="timeoutHint"/> is added to that line).
    /// </summary>
    internal static async Task<HttpResponseMessage?> SendAsync(CliContext context, HttpClient http, HttpMethod method, string path, CancellationToken cancellationToken,
        HttpContent? content = null, string? timeoutHint = null)
    {
        try
        {
            using var request = new HttpRequestMessage(method, path) { Content = content };
            return await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException error)
        {
            await context.Error.WriteLineAsync($"actorrec: cannot reach {http.BaseAddress}: {error.Message} (is `actorrec serve` running there?)").ConfigureAwait(false);
            return null;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            var seconds = http.Timeout.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
            await context.Error.WriteLineAsync($"actorrec: {http.BaseAddress} did not answer {method} /{path} within {seconds} s{timeoutHint}").ConfigureAwait(false);
            return null;
        }
    }

    internal static async Task<bool> EnsureSuccessAsync(CliContext context, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return true;
        }

        var detail = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var problem = JsonDocument.Parse(detail);
            if (problem.RootElement.TryGetProperty("detail", out var d))
            {
                detail = d.GetString() ?? detail;
            }
        }
        catch (JsonException)
        {
            // Not problem+json: show the body as it is.
        }

        var hint = response.StatusCode == HttpStatusCode.Unauthorized ? $" (pass --token or set {AdminSettings.TokenEnvironmentVariable})" : "";
        await context.Error.WriteLineAsync($"actorrec: {(int)response.StatusCode} {response.ReasonPhrase}: {detail}{hint}").ConfigureAwait(false);
        return false;
    }

    private static void WriteTable(ClusterStatusResponse status, CliContext context)
    {
        var colors = context.IsConsole;
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"cluster seen from {Markup.Escape(status.Self)} (table version {status.TableVersion}, leader {Markup.Escape(status.Leader ?? "none")})");
        table.AddColumn("node");
        table.AddColumn("status");
        table.AddColumn("address");
        table.AddColumn("roles");
        table.AddColumn(new TableColumn("uptime").RightAligned());
        table.AddColumn(new TableColumn("last heartbeat").RightAligned());
        foreach (var m in status.Members)
        {
            var statusText = colors ? $"[{StatusColor(m.Status)}]{m.Status}[/]" : m.Status;
            table.AddRow(
                Markup.Escape(m.Node + (m.IsSelf ? " (self)" : "") + (m.Node == status.Leader && m.Status == "up" ? " *" : "")),
                statusText,
                Markup.Escape(m.Address),
                Markup.Escape(m.Roles.Count == 0 ? "-" : string.Join(',', m.Roles)),
                FormatSpan(m.UptimeSeconds),
                FormatSpan(m.HeartbeatAgeSeconds) + " ago");
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(context.Output),
            Ansi = colors ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = colors ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
        });
        console.Profile.Width = Math.Max(console.Profile.Width, 110);
        console.Write(table);
        foreach (var s in status.Singletons)
        {
            console.WriteLine($"singleton {s.Name}: {(s.Holder ?? "no holder")} (fencing token {s.Token})");
        }
    }

    private static string StatusColor(string status) => status switch
    {
        "up" => "green",
        "joining" or "leaving" or "exiting" => "yellow",
        "down" => "red",
        _ => "grey",
    };

    private static string FormatSpan(double seconds)
    {
        var span = TimeSpan.FromSeconds(Math.Max(0, seconds));
        return span.TotalHours >= 1 ? span.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture)
            : span.TotalMinutes >= 1 ? span.ToString(@"m\:ss", CultureInfo.InvariantCulture)
            : seconds.ToString("0.0", CultureInfo.InvariantCulture) + "s";
    }
}
