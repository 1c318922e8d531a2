using System.Text.Json;
using CausalEval.Dr.Adapters.Agents;
using CausalEval.Dr.Adapters.Failover;
using CausalEval.Dr.Adapters.Runs;
using CausalEval.Dr.Core;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Nodes;
using CausalEval.Dr.Core.Runs;
using CausalEval.Dr.Core.Topology;
using CausalEval.Dr.Lab;
using CausalEval.Dr.Lab.Load;
using CausalEval.Dr.Local.Cli;
using CausalEval.Dr.Local.Hosting;
using CausalEval.Dr.Orchestrations.Registry;
using CausalEval.Dr.Orchestrations.Switchover;

namespace CausalEval.Dr.Local.Drills;

/// <param name="Rounds">Each round is a switchover to the secondary and a failback home.</param>
/// <param name="Rate">Writes per second the load generator sends through api. during the drill.</param>
/// <param name="Topology">The lab topology file when the drill brings the lab up (e.g. one with a synchronous standby).</param>
public sealed record SwitchoverDrillOptions(int Rounds = 5, double Rate = 50, double SettleSeconds = 2, double TimeoutSeconds = 300, bool KeepLab = false,
    string? Topology = null);

/// <param name="RunbookGapSeconds">The runbook's own measure: stand-down to the database record switched.</param>
/// <param name="ClientGap">The longest wait between two acknowledged writes during the run, as the load generator saw it.</param>
public sealed record MoveMeasured(int Round, string Runbook, string Instance, RunOutcome Outcome, string? Error, string? Subject, double DurationSeconds,
    double? RunbookGapSeconds, WriteGap? ClientGap);

/// <param name="Standby">The node that serves no more, at the end: it must stream from the serving one.</param>
public sealed record SwitchoverDrillReport(
    IReadOnlyList<MoveMeasured> Moves,
    int Attempts,
    int Acknowledged,
    IReadOnlyList<long> LostAcknowledged,
    string ServingNode,
    NodeStatus Standby,
    double? MedianGapSeconds,
    double? MaxGapSeconds,
    bool StartedLab)
{
    public bool Passed => Moves.Count > 0 && Moves.All(m => m.Outcome == RunOutcome.Succeeded) && LostAcknowledged.Count == 0
        && Standby is { Role: NodeRole.Standby, Fenced: false, Upstream.Status: "streaming" };
}

/// <summary>
/// `dr drill switchover`: planned moves under load, measured as clients see them. On the lab (brought up if none
/// runs), with the health monitor on, writes go through api. at a steady rate while the service switches over to
/// the secondary and fails back home, round after round. Each move's write gap is read from the load generator's
/// ledger; every acknowledged write is then looked up in the primary that serves at the end.
/// </summary>
public sealed class SwitchoverDrill(StateDirectory state, string? settingsFile, SwitchoverDrillOptions options, Action<string> progress)
{
    public Task<SwitchoverDrillReport> RunAsync(CancellationToken cancellationToken) =>
        LabDrill.WithLabAsync(state, options.Topology, options.KeepLab, progress, (_, startedLab) => DrillAsync(startedLab, cancellationToken),
            cancellationToken);

    private async Task<SwitchoverDrillReport> DrillAsync(bool startedLab, CancellationToken cancellationToken)
    {
        var configuration = LocalConfiguration.Build(settingsFile, state);
        var topology = TopologyValidator.Load(configuration);
        var store = configuration.OpenStore(state);
        var home = topology.RegionWith(RegionRole.Primary)!.Value;
        var secondary = topology.RegionWith(RegionRole.Secondary) ?? throw new DrConfigurationException("the lab has no secondary region");
        if (await new ServingPrimaryStore(store).ReadAsync(cancellationToken) is { } serving
            && !string.Equals(serving.Region, home.Name, StringComparison.OrdinalIgnoreCase))
        {
            throw new SafetyCheckRefusedException($"{serving.Node} ({serving.Region}) serves, not home ({home.Name}): run `dr failback` first");
        }

        await using var host = await HostConnection.OpenAsync(state, settingsFile, needsWorker: true, cancellationToken, monitor: true);
        await LabDrill.WaitMonitorHealthyAsync(host.Client, progress, cancellationToken);
        var load = await LabDrill.StartLoadAsync(state, "switchover-drill", options.Rate, options.SettleSeconds, progress, cancellationToken);

        // Away and home again, round after round; a move that does not complete ends the drill there.
        var moves = Enumerable.Range(1, options.Rounds).SelectMany(round => new (int Round, string Runbook, object Input)[]
        {
            (round, RunbookRegistry.ForVerb("switchover").Name, new SwitchoverInput(secondary.Name, PreApproved: true, ApprovedBy: "switchover drill")),
            (round, RunbookRegistry.ForVerb("failback").Name, new FailbackInput(home.Name, PreApproved: true, ApprovedBy: "switchover drill")),
        });
        var records = new RunRecordStore(store);
        var runs = new List<(int Round, string Runbook, string Id)>();
        foreach (var (round, runbook, input) in moves)
        {
            var (id, status) = await RunToEndAsync(host.Client, runbook, input, cancellationToken);
            // The reason now, not only in the report: a drill stopped by its caller's clock prints none.
            var why = status == "Completed" ? "" : $": {(await records.FindAsync(id, cancellationToken))?.Error?.Message
                ?? "no run record"}";
            progress($"round {round}: {runbook} {id} {status}{why}");
            runs.Add((round, runbook, id));
            await Task.Delay(TimeSpan.FromSeconds(options.SettleSeconds), cancellationToken);
            if (status != "Completed")
            {
                break;
            }
        }

        var (summary, ledger) = await load.StopAsync();
        var measured = new List<MoveMeasured>();
        foreach (var (round, runbook, id) in runs)
        {
            var record = await records.FindAsync(id, cancellationToken);
            measured.Add(new MoveMeasured(round, runbook, id, record?.Outcome ?? RunOutcome.Failed, record?.Error?.Message
                ?? (record is null ? "no run record" : null), record?.Subject,
                record?.DurationSeconds ?? 0, record?.Figures?.GetValueOrDefault("writeGapSeconds"),
                record is null ? null : ledger.LongestGapDuring(record.StartedAt, record.EndedAt)));
        }

        var now = await new ServingPrimaryStore(store).ReadAsync(cancellationToken);
        var servingNode = topology.FindNode(now?.Node ?? home.Region.Database.Nodes[0].Name)!.Value.Node;
        var lost = await LabDrill.LostWritesAsync(ledger, servingNode, Adapters.Postgres.DatabaseOptions.From(configuration).Password, cancellationToken);
        var other = topology.Nodes.First(n => n.Node.Name != servingNode.Name && (n.Region == home.Name || n.Region == secondary.Name)).Node;
        using var agents = new NodeAgents(topology, configuration);
        var standby = await agents.For(other.Name).StatusAsync(cancellationToken);
        var gaps = measured.Where(m => m.ClientGap is not null).Select(m => m.ClientGap!.Seconds).Order().ToList();
        return new SwitchoverDrillReport(measured, summary.Attempts, ledger.Acknowledged.Count(), lost, servingNode.Name, standby,
            gaps.Count == 0 ? null : Median(gaps), gaps.Count == 0 ? null : gaps[^1], startedLab);
    }

    private async Task<(string Id, string Status)> RunToEndAsync(ApiClient client, string runbook, object input, CancellationToken cancellationToken)
    {
        var started = await client.StartAsync(runbook, JsonSerializer.Serialize(input, input.GetType(), DrJson.Options), null);
        var id = started.Body?["id"]?.GetValue<string>() ?? throw new InvalidOperationException($"{runbook} did not start: {started.Error}");
        var deadline = DateTime.UtcNow.AddSeconds(options.TimeoutSeconds);
        while (DateTime.UtcNow < deadline)
        {
            var status = (await client.StatusAsync(id, history: false)).Body?["runtimeStatus"]?.GetValue<string>();
            if (status is "Completed" or "Failed" or "Terminated")
            {
                return (id, status);
            }

            await Task.Delay(100, cancellationToken);
        }

        throw new TimeoutException($"{runbook} {id} did not end within {options.TimeoutSeconds:0} s");
    }

    private static double Median(IReadOnlyList<double> sorted) =>
        sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}
