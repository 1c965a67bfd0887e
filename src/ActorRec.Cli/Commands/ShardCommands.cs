using System.CommandLine;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ActorRec.Server.Admin;

namespace ActorRec.Cli.Commands;

/// <summary>
/// <c>actorrec shards list [--type T] [--json]</c>, <c>shards rebalance [--type T]</c>, <c>shards move SHARD NODE [--type T]</c>,
/// <c>shards locate ENTITY [--type T]</c> and <c>actorrec cluster drain NODE</c>, over the shard admin API of any node
/// (<see cref="ShardAdminEndpoints"/>). <c>--url</c> and <c>--token</c> work as in <c>actorrec cluster status</c> (the
/// token defaults to <c>ACTORREC_ADMIN_TOKEN</c>). Exit 0 on success, 1 when the node cannot be reached or refuses
/// (its problem detail is printed), 2 for bad arguments.
/// </summary>
internal static class ShardCommands
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static Command Create(CliContext context)
    {
        var shards = new Command("shards", "Shard operations: map with entity counts, rebalance, move a shard, locate an entity.");
        shards.Add(List(context));
        shards.Add(Rebalance(context));
        shards.Add(Move(context));
        shards.Add(Locate(context));
        return shards;
    }

    /// <summary><c>cluster drain NODE</c>: blocks until the node owns no shard, then the node leaves.</summary>
    public static Command Drain(CliContext context)
    {
        var node = new Argument<string>("NODE") { Description = "Name of the node to drain." };
        var url = ClusterCommands.UrlOption();
        var token = ClusterCommands.TokenOption();
        var timeout = new Option<string>("--timeout")
        {
            Description = "How long to wait for the node's answer (e.g. 90s, 5m); keep it above the node's actorrec.admin.drain-timeout (120s).",
            HelpName = "DURATION",
            DefaultValueFactory = _ => "180s",
        };
        var drain = new Command("drain", "Hand off every shard of a node to the others, then the node leaves the cluster.") { node, url, token, timeout };
        drain.SetAction(async (parseResult, cancellationToken) =>
        {
            var name = parseResult.GetValue(node)!;
            var wait = SimulateCommand.ParseDuration("--timeout", parseResult.GetValue(timeout)!);
            var body = await CallAsync<DrainResponse>(context, parseResult, url, token, HttpMethod.Post,
                "admin/cluster/drain/" + Uri.EscapeDataString(name), null, wait, cancellationToken,
                "; the drain goes on there (up to actorrec.admin.drain-timeout): `actorrec shards list` shows what the node still owns").ConfigureAwait(false);
            if (body is null)
            {
                return ExitCodes.Failure;
            }

            var leaving = body.Leaving ? "and is leaving the cluster" : "(it was not a live member, so it is not asked to leave)";
            await context.Output.WriteLineAsync($"{body.Node} drained: it owns no shard {leaving}").ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return drain;
    }

    private static Option<string> TypeOption(string description) => new("--type") { Description = description, HelpName = "TYPE" };

    private static Command List(CliContext context)
    {
        var type = TypeOption("Entity type (user, video); default: every type.");
        var url = ClusterCommands.UrlOption();
        var token = ClusterCommands.TokenOption();
        var json = new Option<bool>("--json") { Description = "Print the raw JSON of GET /admin/shards." };
        var list = new Command("list", "The shard map: owner, status, epoch and resident entities of every shard, and totals per node.") { type, url, token, json };
        list.SetAction(async (parseResult, cancellationToken) =>
        {
            var body = await CallAsync<ShardListResponse>(context, parseResult, url, token, HttpMethod.Get, "admin/shards" + TypeQuery(parseResult.GetValue(type)),
                null, null, cancellationToken).ConfigureAwait(false);
            if (body is null)
            {
                return ExitCodes.Failure;
            }

            await context.Output.WriteAsync(parseResult.GetValue(json) ? JsonSerializer.Serialize(body, Json) + Environment.NewLine : FormatMap(body)).ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return list;
    }

    private static Command Rebalance(CliContext context)
    {
        var type = TypeOption("Entity type (user, video); default: every type.");
        var url = ClusterCommands.UrlOption();
        var token = ClusterCommands.TokenOption();
        var rebalance = new Command("rebalance", "Run the rebalancing rule now; prints the moves it started.") { type, url, token };
        rebalance.SetAction(async (parseResult, cancellationToken) =>
        {
            var body = await CallAsync<ShardMovesResponse>(context, parseResult, url, token, HttpMethod.Post,
                "admin/shards/rebalance" + TypeQuery(parseResult.GetValue(type)), null, null, cancellationToken).ConfigureAwait(false);
            if (body is null)
            {
                return ExitCodes.Failure;
            }

            var text = new StringBuilder();
            text.Append(CultureInfo.InvariantCulture, $"{body.Moves.Count} move(s)").AppendLine(body.Moves.Count == 0 ? ": the shards are balanced" : "");
            foreach (var m in body.Moves)
            {
                text.AppendLine(FormatMove(m));
            }

            await context.Output.WriteAsync(text.ToString()).ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return rebalance;
    }

    private static Command Move(CliContext context)
    {
        var shard = new Argument<int>("SHARD") { Description = "Shard id (0 .. shards - 1)." };
        var node = new Argument<string>("NODE") { Description = "Name of the node that should own the shard." };
        var type = TypeOption($"Entity type (user, video); default: {ShardAdminEndpoints.DefaultType}.");
        var url = ClusterCommands.UrlOption();
        var token = ClusterCommands.TokenOption();
        var move = new Command("move", "Hand one shard off to a node.") { shard, node, type, url, token };
        shard.Validators.Add(result =>
        {
            if (result.Tokens.Count == 1 && int.TryParse(result.Tokens[0].Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var id) && id < 0)
            {
                result.AddError($"SHARD must not be negative, got {id}");
            }
        });
        move.SetAction(async (parseResult, cancellationToken) =>
        {
            var path = string.Create(CultureInfo.InvariantCulture, $"admin/shards/{parseResult.GetValue(shard)}/move") + TypeQuery(parseResult.GetValue(type));
            var body = await CallAsync<ShardMoveView>(context, parseResult, url, token, HttpMethod.Post, path,
                JsonContent.Create(new ShardMoveRequest(parseResult.GetValue(node))), null, cancellationToken).ConfigureAwait(false);
            if (body is null)
            {
                return ExitCodes.Failure;
            }

            await context.Output.WriteLineAsync(FormatMove(body)).ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return move;
    }

    private static Command Locate(CliContext context)
    {
        var entity = new Argument<string>("ENTITY") { Description = "Entity id (a user or video id)." };
        var type = TypeOption($"Entity type (user, video); default: {ShardAdminEndpoints.DefaultType}.");
        var url = ClusterCommands.UrlOption();
        var token = ClusterCommands.TokenOption();
        var locate = new Command("locate", "The shard of an entity and the node that owns it now.") { entity, type, url, token };
        locate.SetAction(async (parseResult, cancellationToken) =>
        {
            var path = "admin/shards/locate/" + Uri.EscapeDataString(parseResult.GetValue(entity)!) + TypeQuery(parseResult.GetValue(type));
            var body = await CallAsync<ShardLocationView>(context, parseResult, url, token, HttpMethod.Get, path, null, null, cancellationToken).ConfigureAwait(false);
            if (body is null)
            {
                return ExitCodes.Failure;
            }

            await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{body.Type} {body.EntityId}: shard {body.Shard} on {body.Node ?? "(unallocated)"} (epoch {body.Epoch})")).ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return locate;
    }

    /// <summary>One line per shard, then one per node with its shard and entity totals.</summary>
    internal static string FormatMap(ShardListResponse map)
    {
        var text = new StringBuilder();
        text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"{"type",-8} {"shard",5}  {"node",-24} {"status",-12} {"epoch",6} {"entities",9}"));
        var perNode = new SortedDictionary<string, (int Shards, long Entities)>(StringComparer.Ordinal);
        foreach (var s in map.Shards)
        {
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"{s.Type,-8} {s.Shard,5}  {s.Node ?? "-",-24} {s.Status,-12} {s.Epoch,6} {s.Entities,9}"));
            var key = s.Node ?? "(unallocated)";
            perNode.TryGetValue(key, out var total);
            perNode[key] = (total.Shards + 1, total.Entities + s.Entities);
        }

        foreach (var (node, total) in perNode)
        {
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"{node}: {total.Shards} shard(s), {total.Entities} entities"));
        }

        return text.ToString();
    }

    private static string FormatMove(ShardMoveView m) => string.Create(CultureInfo.InvariantCulture, $"{m.Type} shard {m.Shard}: {m.From} -> {m.To}");

    private static string TypeQuery(string? type) => type is null ? "" : "?type=" + Uri.EscapeDataString(type);

    private static async Task<T?> CallAsync<T>(CliContext context, ParseResult parseResult, Option<string> url, Option<string> token, HttpMethod method,
        string path, HttpContent? content, TimeSpan? timeout, CancellationToken cancellationToken, string? timeoutHint = null)
        where T : class
    {
        using var http = ClusterCommands.Client(context, parseResult.GetValue(url)!, parseResult.GetValue(token));
        if (timeout is { } t)
        {
            http.Timeout = t;
        }

        using var response = await ClusterCommands.SendAsync(context, http, method, path, cancellationToken, content, timeoutHint).ConfigureAwait(false);
        if (response is null || !await ClusterCommands.EnsureSuccessAsync(context, response, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException("the node answered with an empty body");
    }
}
