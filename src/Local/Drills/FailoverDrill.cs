using System.Net;
using CausalEval.Dr.Adapters.Agents;
using CausalEval.Dr.Adapters.Failover;
using CausalEval.Dr.Adapters.Postgres;
using CausalEval.Dr.Adapters.Runs;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Nodes;
using CausalEval.Dr.Core.Runs;
using CausalEval.Dr.Core.Topology;
using CausalEval.Dr.Lab.Load;
using CausalEval.Dr.Lab.Postgres;
using CausalEval.Dr.Lab;
using CausalEval.Dr.Local.Cli;
using CausalEval.Dr.Local.Hosting;
using CausalEval.Dr.Orchestrations.Failover;
using Npgsql;
using StackExchange.Redis;

namespace CausalEval.Dr.Local.Drills;

/// <param name="Rate">Writes per second the load generator sends through api. during the drill.</param>
/// <param name="KeepLab">Leave a lab the drill started running afterwards.</param>
/// <param name="Topology">The lab topology file when the drill brings the lab up (default: config/lab.topology.json).</param>
public sealed record FailoverDrillOptions(double Rate = 50, double SettleSeconds = 3, double TimeoutSeconds = 120, bool KeepLab = false,
    string? Topology = null);

/// <param name="Writable">Nodes that take writes after the old region came back: exactly one is the only good answer.</param>
public sealed record RevivedRegion(string Region, string Node, bool Fenced, bool AcceptsWrites, IReadOnlyList<string> Writable);

/// <param name="DetectionSeconds">From the kill to the failover's start (the monitor's rounds).</param>
/// <param name="MissingFromQueue">Acknowledged writes served by the new region that its (promoted) Redis queue lacks.</param>
public sealed record FailoverDrillReport(
    string FailoverInstance,
    RunOutcome Outcome,
    string? Error,
    DateTimeOffset KilledAt,
    ClientOutage ClientOutage,
    double? DetectionSeconds,
    double? RunbookRtoSeconds,
    IReadOnlyList<StepRecord> Steps,
    int Attempts,
    int Acknowledged,
    IReadOnlyList<long> LostAcknowledged,
    IReadOnlyList<long> MissingFromQueue,
    RevivedRegion Revived,
    bool StartedLab)
{
    public bool Passed => Outcome == RunOutcome.Succeeded && Revived.Writable.Count == 1 && !Revived.AcceptsWrites && MissingFromQueue.Count == 0;
}

/// <summary>
/// `dr drill failover`: the whole unplanned failover, measured as clients see it. Brings the lab up (or uses
/// the running one), runs a host with the health monitor, writes through api. at a steady rate, kills the
/// primary region, lets the monitor fail over by itself, then revives the old region and checks it came
/// back fenced. The client-seen RTO and the lost writes come from the load generator's ledger, checked
/// against the database that serves now; the step timeline from the failover's run record.
/// </summary>
public sealed class FailoverDrill(StateDirectory state, string? settingsFile, FailoverDrillOptions options, Action<string> progress)
{
    public Task<FailoverDrillReport> RunAsync(CancellationToken cancellationToken) =>
        LabDrill.WithLabAsync(state, options.Topology, options.KeepLab, progress, (lab, startedLab) => DrillAsync(lab, startedLab, cancellationToken),
            cancellationToken);

    private async Task<FailoverDrillReport> DrillAsync(LabController lab, bool startedLab, CancellationToken cancellationToken)
    {
        var configuration = LocalConfiguration.Build(settingsFile, state);
        var topology = TopologyValidator.Load(configuration);
        var store = configuration.OpenStore(state);
        if (await new ServingPrimaryStore(store).ReadAsync(cancellationToken) is { } serving)
        {
            throw new SafetyCheckRefusedException($"this lab has failed over already ({serving.Node} serves, epoch {serving.Epoch}): run `dr failback` " +
                $"first, or `dr lab down` for a fresh lab");
        }

        var primary = topology.RegionWith(RegionRole.Primary)!.Value;
        var secondary = topology.RegionWith(RegionRole.Secondary) ?? throw new DrConfigurationException("the lab has no secondary region");
        await using var host = await HostConnection.OpenAsync(state, settingsFile, needsWorker: true, cancellationToken, monitor: true);
        await LabDrill.WaitMonitorHealthyAsync(host.Client, progress, cancellationToken);

        var load = await LabDrill.StartLoadAsync(state, "drill", options.Rate, options.SettleSeconds, progress, cancellationToken);

        var killed = await lab.KillAsync(primary.Name);
        progress($"killed {primary.Name} at {killed.KilledAt:HH:mm:ss.fff}: {string.Join(", ", killed.Processes)}");
        var (failoverId, status) = await WaitFailoverAsync(host.Client, killed.KilledAt, cancellationToken);
        progress($"failover {failoverId}: {status}");
        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        var (summary, ledger) = await load.StopAsync();

        var revived = await lab.ReviveAsync(primary.Name, progress);
        progress($"revived {primary.Name}: {string.Join(", ", revived.Processes)}");
        var check = await CheckRevivedAsync(topology, configuration, primary.Name, primary.Region.Database.Nodes[0].Name, cancellationToken);

        var record = await new RunRecordStore(store).FindAsync(failoverId, cancellationToken);
        var outage = ledger.OutageAround(killed.KilledAt, secondary.Name);
        var (lost, missingFromQueue) = await CheckWritesAsync(ledger, secondary.Region, secondary.Name, DatabaseOptions.From(configuration).Password,
            cancellationToken);
        return new FailoverDrillReport(failoverId, record?.Outcome ?? RunOutcome.Failed, record?.Error?.Message
            ?? (record is null ? $"no run record ({status})" : null),
            killed.KilledAt, outage, record is null ? null : (record.StartedAt - killed.KilledAt).TotalSeconds,
            record?.Figures?.GetValueOrDefault("rtoSeconds"), record?.Steps ?? [], summary.Attempts, ledger.Acknowledged.Count(), lost, missingFromQueue,
                check, startedLab);
    }

    private async Task<(string Id, string Status)> WaitFailoverAsync(ApiClient client, DateTimeOffset after, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(options.TimeoutSeconds);
        string? id = null;
        while (DateTime.UtcNow < deadline)
        {
            var list = await client.ListAsync("failover-");
            var found = list.Body?.AsArray().Where(i => DateTimeOffset.Parse(i!["createdTime"]!.GetValue<string>()) >= after.AddSeconds(-1))
                .OrderBy(i => i!["createdTime"]!.GetValue<string>()).FirstOrDefault();
            if (found is not null)
            {
                id = found["instanceId"]!.GetValue<string>();
                var status = found["runtimeStatus"]!.GetValue<string>();
                if (status is "Completed" or "Failed" or "Terminated")
                {
                    return (id, status);
                }
            }

            await Task.Delay(200, cancellationToken);
        }

        throw new TimeoutException(id is null
            ? $"no failover started within {options.TimeoutSeconds:0} s of the kill"
            : $"failover {id} did not end within {options.TimeoutSeconds:0} s of the kill");
    }

    private static async Task<RevivedRegion> CheckRevivedAsync(TopologyOptions topology, Microsoft.Extensions.Configuration.IConfiguration configuration,
        string region, string node,
        CancellationToken cancellationToken)
    {
        using var agents = new NodeAgents(topology, configuration);
        var old = await agents.For(node).StatusAsync(cancellationToken);
        var writable = new List<string>();
        foreach (var (_, each) in topology.Nodes)
        {
            try
            {
                await using var connection = new NpgsqlConnection(LabPostgres.ConnectionString(each.Host, each.Port, "postgres",
                    DatabaseOptions.From(configuration).Password));
                await connection.OpenAsync(cancellationToken);
                await using var command = new NpgsqlCommand("SELECT NOT pg_is_in_recovery()", connection);
                if (await command.ExecuteScalarAsync(cancellationToken) is true)
                {
                    writable.Add(each.Name);
                }
            }
            catch (NpgsqlException)
            {
                // Not running: not writable.
            }
        }

        return new RevivedRegion(region, node, old.Fenced, writable.Contains(node, StringComparer.OrdinalIgnoreCase), writable);
    }

    /// <summary>Acknowledged writes missing from the new primary, and those served by the new region missing from its queue.</summary>
    private static async Task<(IReadOnlyList<long> Lost, IReadOnlyList<long> MissingFromQueue)> CheckWritesAsync(Ledger ledger, RegionOptions region,
        string regionName,
        string? password, CancellationToken cancellationToken)
    {
        var lost = await LabDrill.LostWritesAsync(ledger, region.Database.Nodes[0], password, cancellationToken);

        IReadOnlyList<long> missing = [];
        if (region.Cache is { Redis: { Length: > 0 } redis })
        {
            await using var connection = await ConnectionMultiplexer.ConnectAsync(redis);
            var queued = (await connection.GetDatabase().ListRangeAsync(Workload.WorkloadApp.QueueKey)).Select(v => (long)v).ToHashSet();
            missing = ledger.Acknowledged.Where(e => string.Equals(e.Region, regionName, StringComparison.OrdinalIgnoreCase))
                .Select(e => e.Id!.Value).Where(id => !queued.Contains(id)).ToList();
        }

        return (lost, missing);
    }
}
