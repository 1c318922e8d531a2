using CausalEval.Dr.Adapters.Agents;
using CausalEval.Dr.Adapters.Dns;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Core.Nodes;
using CausalEval.Dr.Core.Objectives;
using CausalEval.Dr.Core.Topology;
using CausalEval.Dr.Orchestrations.Instances;
using CausalEval.Dr.Orchestrations.Registry;
using CausalEval.Dr.Orchestrations.Steps;
using CausalEval.Dr.Orchestrations.Steps.Region;
using Microsoft.DurableTask;
using Microsoft.Extensions.Configuration;

namespace CausalEval.Dr.Orchestrations.Drills;

/// <param name="Phase">"before" (a failing probe stops the drill before anything is broken) or "after".</param>
/// <param name="Region">The region that should serve.</param>
/// <param name="Standby">The standby that should stream from the serving primary (null: none is expected).</param>
public sealed record SteadyStateInput(string Drill, string Phase, string Region, string? Standby);

public sealed record SteadyStateProbe(string Name, bool Passed, string Detail);

public sealed record SteadyState(string Phase, DateTimeOffset At, IReadOnlyList<SteadyStateProbe> Probes)
{
    public bool Holds => Probes.All(p => p.Passed);

    public string Failures => string.Join("; ", Probes.Where(p => !p.Passed).Select(p => $"{p.Name}: {p.Detail}"));
}

/// <summary>
/// The drill's hypothesis, checked: the service answers through its public name from the region that should serve; the
/// standby streams under the database RPO; a complete database backup is newer than its schedule; no other move runs.
/// Reads only. Each probe says what it saw; the drill decides what a failure means.
/// </summary>
public sealed class CheckSteadyState(TopologyOptions topology, DnsZone zone, ServiceHttp service, NodeAgents agents, BackupCatalog catalog,
    IInstanceStarter hub, IConfiguration configuration) : DrActivity<CheckSteadyState, SteadyStateInput, SteadyState>
{
    public override async Task<SteadyState> RunAsync(TaskActivityContext context, SteadyStateInput input) =>
        new(input.Phase, DateTimeOffset.UtcNow,
        [
            await Probe("public name serves", () => PublicNameAsync(input.Region)),
            await Probe("standby streams within the RPO", () => StandbyAsync(input.Standby)),
            await Probe("recent complete database backup", BackupAsync),
            await Probe("no other move runs", () => NoMoveAsync(input.Drill)),
        ]);

    private static async Task<SteadyStateProbe> Probe(string name, Func<Task<(bool, string)>> probe)
    {
        try
        {
            var (passed, detail) = await probe();
            return new SteadyStateProbe(name, passed, detail);
        }
        catch (Exception e)
        {
            return new SteadyStateProbe(name, false, $"could not be checked: {e.Message}");
        }
    }

    private async Task<(bool, string)> PublicNameAsync(string region)
    {
        var api = topology.Api;
        var addresses = await zone.AnswerAsync(api.Record);
        var expected = topology.RecordOf(region, api.Record) ?? [];
        if (addresses.Count == 0 || (expected.Count > 0 && addresses.Except(expected).Any()))
        {
            return (false, $"{zone.Fqdn(api.Record)} answers [{string.Join(", ", addresses)}], not {region}'s [{string.Join(", ", expected)}]");
        }

        foreach (var address in addresses)
        {
            using var health = await service.Client.GetAsync($"{api.Scheme}://{address}:{api.Port}{api.HealthPath}");
            if (!health.IsSuccessStatusCode)
            {
                return (false, $"{address} answers {(int)health.StatusCode} on {api.HealthPath}");
            }
        }

        return (true, $"{zone.Fqdn(api.Record)} → [{string.Join(", ", addresses)}], all healthy");
    }

    private async Task<(bool, string)> StandbyAsync(string? standby)
    {
        if (standby is null)
        {
            return (true, "no standby expected");
        }

        var status = await agents.For(standby).StatusAsync();
        var rpo = RecoveryObjectives.RpoFor(DataClass.Database).TotalSeconds;
        var lagSeconds = status.ReplayLagBytes == 0 ? 0 : status.ReplayDelaySeconds;
        return status switch
        {
            { Role: not NodeRole.Standby } => (false, $"{standby} is a {status.Role.ToString().ToLowerInvariant()}"),
            { Upstream: not { Status: "streaming" } } => (false, $"{standby}'s WAL receiver is {status.Upstream?.Status ?? "not running"}"),
            _ when lagSeconds is not { } lag || lag > rpo => (false, $"{standby} replays {lagSeconds:0.#} s behind (RPO {rpo:0} s)"),
            _ when await SenderSeesAsync(standby, status.Upstream!) is { } unseen => (false, unseen),
            _ => (true, $"{standby} streams, {status.ReplayLagBytes ?? 0} bytes behind"),
        };
    }

    /// <summary>
    /// The sender's side of the stream: a standby reads "streaming" for a moment after its primary was killed and revived (its
    /// receiver has not yet noticed the old connection is gone); only the running primary's own list of replicas says the
    /// stream is live. Null when the sender lists the standby as streaming, else why not.
    /// </summary>
    private async Task<string?> SenderSeesAsync(string standby, UpstreamStatus upstream)
    {
        var sender = topology.Nodes.FirstOrDefault(n => n.Node.Host == upstream.SenderHost && n.Node.Port == upstream.SenderPort).Node;
        if (sender is null)
        {
            return null; // a sender the topology does not name (a relay): the standby's word is all there is
        }

        // Any streaming replica: the client address is the connection's source (on one host, often not the standby's own address).
        var replicas = (await agents.For(sender.Name).StatusAsync()).Replicas;
        return replicas.Any(r => r.State == "streaming") ? null : $"{standby} reads streaming, but {sender.Name} lists no streaming replica";
    }

    private async Task<(bool, string)> BackupAsync()
    {
        var schedule = RunbookRegistry.LoadSchedules(configuration)[RunbookRegistry.TakingBackupsOf(BackupKind.Database)!.Schedule!.Name];
        var now = DateTime.UtcNow;
        // One period of slack: the latest occurrence's backup may still be running.
        var limit = schedule.LatestOccurrenceAtOrBeforeUtc(now) is { } latest ? schedule.LatestOccurrenceAtOrBeforeUtc(latest.AddSeconds(-1)) : null;
        var newest = (await catalog.ListCompleteAsync(BackupKind.Database)).MaxBy(m => m.TakenAtUtc);
        if (newest is null)
        {
            return (false, "no complete database backup");
        }

        return limit is { } l && newest.TakenAtUtc < l
            ? (false, $"the newest, {newest.BackupId}, was taken {newest.TakenAtUtc:u}: older than the schedule's ({schedule.Cron}) previous run {l:u}")
            : (true, $"{newest.BackupId} taken {newest.TakenAtUtc:u}");
    }

    private async Task<(bool, string)> NoMoveAsync(string drill)
    {
        var moving = (await hub.ListActiveAsync())
            .Where(i => !i.Id.StartsWith(drill, StringComparison.Ordinal) && RunbookRegistry.Find(i.Name) is { } row
                && row.Moves == InputCondition.Always)
            .ToList();
        return moving.Count == 0 ? (true, "none") : (false, string.Join(", ", moving.Select(m => $"{m.Name} {m.Id} ({m.Status})")));
    }
}
