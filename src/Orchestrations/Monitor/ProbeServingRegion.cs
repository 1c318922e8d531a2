using System.Text.Json.Serialization;
using CausalEval.Dr.Adapters.Agents;
using CausalEval.Dr.Adapters.Dns;
using CausalEval.Dr.Adapters.Failover;
using CausalEval.Dr.Adapters.Postgres;
using CausalEval.Dr.Core.Topology;
using CausalEval.Dr.Core;
using CausalEval.Dr.Orchestrations.Steps.Region;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CausalEval.Dr.Orchestrations.Monitor;

[JsonConverter(typeof(KebabCaseEnumConverter<RoundVerdict>))]
public enum RoundVerdict
{
    /// <summary>The serving primary takes writes (seen directly or through its agent).</summary>
    Healthy,

    /// <summary>Unreachable from the control plane AND its standby no longer streams from it: both vantage points agree.</summary>
    Failed,

    /// <summary>The vantage points disagree or the standby cannot be asked: never a reason to fail over.</summary>
    Inconclusive,
}

/// <param name="StandbyStreaming">Whether the standby's WAL receiver still streams from the primary (null: its agent did not answer).</param>
/// <param name="ApiHealthy">Instances behind the public name that answered healthy, of <paramref name="ApiChecked"/>.</param>
public sealed record HealthRound(
    DateTime At,
    RoundVerdict Verdict,
    string ServingRegion,
    string ServingNode,
    string? StandbyNode,
    bool DatabaseDirect,
    bool DatabaseAgent,
    bool? StandbyStreaming,
    int ApiHealthy,
    int ApiChecked,
    string? PrimaryFlushLsn,
    string Detail,
    MonitorOptions Settings);

/// <summary>
/// One round of the health monitor, against the serving primary (from the DR state). Three looks from the
/// control plane — the database directly, through its agent, the API through its public name — and one from
/// the secondary: its WAL receiver, which keeps streaming while the primary lives, whatever the control
/// plane's own network does. A round fails only when the database is unreachable both ways from here AND
/// the standby lost its stream. A paused process keeps its TCP connections, so the standby still streams and
/// a blip never fails a round.
/// </summary>
public sealed class ProbeServingRegion(TopologyOptions topology, ServingPrimaryStore servingPrimary, NodeAgents agents, DnsZone zone,
    ServiceHttp service, IOptions<MonitorOptions> options, IOptions<DatabaseOptions> database) : DrActivity<ProbeServingRegion, object?, HealthRound>
{
    public override async Task<HealthRound> RunAsync(TaskActivityContext context, object? input)
    {
        var settings = options.Value;
        var timeout = TimeSpan.FromMilliseconds(settings.ProbeTimeoutMs);
        var at = DateTime.UtcNow;
        var (region, node) = await servingPrimary.ServingAsync(topology);
        var standby = topology.StandbyOf(node)?.Name;

        var direct = DirectAsync(node, timeout);
        var agent = AgentAsync(node, timeout);
        var streaming = standby is null ? Task.FromResult<bool?>(null) : StreamingAsync(standby, timeout);
        var api = ApiAsync(timeout);
        await Task.WhenAll(direct, agent, streaming, api);

        var (directOk, flushLsn) = direct.Result;
        var (agentOk, agentLsn) = agent.Result;
        var verdict = directOk || agentOk ? RoundVerdict.Healthy
            : streaming.Result == false ? RoundVerdict.Failed
            : RoundVerdict.Inconclusive;
        if (verdict == RoundVerdict.Failed && await servingPrimary.ActiveHoldAsync(DateTimeOffset.UtcNow) is { } hold)
        {
            return new HealthRound(at, RoundVerdict.Inconclusive, region, node, standby, directOk, agentOk, streaming.Result, api.Result.Healthy,
                api.Result.Checked,
                flushLsn ?? agentLsn, $"{node} unreachable during planned work ({hold.Reason}, by {hold.By}, until {hold.Until:O}): not a failure", settings);
        }

        var detail = verdict switch
        {
            RoundVerdict.Healthy => $"{node} writable ({(directOk ? "direct" : "agent only")})",
            RoundVerdict.Failed => $"{node} unreachable directly and through its agent; {standby} lost its stream from it",
            _ => streaming.Result is null
                ? $"{node} unreachable from here, and {standby ?? "no standby"}'s agent did not answer either: cannot confirm"
                : $"{node} unreachable from here, but {standby} still streams from it: the trouble is on this side",
        };
        return new HealthRound(at, verdict, region, node, standby, directOk, agentOk, streaming.Result, api.Result.Healthy, api.Result.Checked,
            flushLsn ?? agentLsn, detail, settings);
    }

    private async Task<(bool Ok, string? FlushLsn)> DirectAsync(string node, TimeSpan timeout)
    {
        var found = topology.FindNode(node);
        if (found is null)
        {
            return (false, null);
        }

        using var limit = new CancellationTokenSource(timeout);
        try
        {
            var endpoint = new DatabaseEndpoint("primary", node, found.Value.Node.Host, found.Value.Node.Port);
            await using var connection = new NpgsqlConnection(database.Value.ConnectionString(endpoint));
            await connection.OpenAsync(limit.Token);
            await using var query = new NpgsqlCommand("SELECT CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_flush_lsn()::text END", connection);
            var lsn = await query.ExecuteScalarAsync(limit.Token) as string;
            return (lsn is not null, lsn);
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException or System.Net.Sockets.SocketException)
        {
            return (false, null);
        }
    }

    private async Task<(bool Ok, string? FlushLsn)> AgentAsync(string node, TimeSpan timeout) =>
        await agents.For(node).StatusWithinAsync(timeout) is { } status ? (status.Writable, status.FlushLsn) : (false, null);

    /// <summary>Only a running, unfenced standby is a witness; a fenced old primary, a stopped node or no answer says nothing.</summary>
    private async Task<bool?> StreamingAsync(string standby, TimeSpan timeout) =>
        await agents.For(standby).StatusWithinAsync(timeout) is { Role: Core.Nodes.NodeRole.Standby, Fenced: false } status
            ? status.Upstream?.Status == "streaming" : null;

    private async Task<(int Healthy, int Checked)> ApiAsync(TimeSpan timeout)
    {
        var api = topology.Api;
        try
        {
            var addresses = await zone.AnswerAsync(api.Record);
            var checks = await Task.WhenAll(addresses.Select(async address =>
            {
                using var limit = new CancellationTokenSource(timeout);
                try
                {
                    using var response = await service.Client.GetAsync($"{api.Scheme}://{address}:{api.Port}{api.HealthPath}", limit.Token);
                    return response.IsSuccessStatusCode;
                }
                catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
                {
                    return false;
                }
            }));
            return (checks.Count(ok => ok), checks.Length);
        }
        catch (Exception e) when (e is DnsClient.DnsResponseException or OperationCanceledException or Core.Errors.DrException)
        {
            return (0, 0);
        }
    }
}
