using CausalEval.Dr.Core;
using Microsoft.Extensions.Configuration;

namespace CausalEval.Dr.Orchestrations.Registry;

/// <param name="Schedule">The schedule in force (the row's default, or <c>Schedules:{Name}</c>): "name (cron)"; null when it runs only on demand.</param>
/// <param name="Moves">Whether a run moves the service: "yes", "no", or when ("with replace").</param>
/// <param name="Gated">When a runbook with a gate stops at it.</param>
/// <param name="PlannedSteps">The steps its code plans, in order, every branch included (a run skips those it does not need).</param>
public sealed record RunbookEntry(
    string Name,
    string Category,
    string Version,
    string Summary,
    string? Backs,
    string? Schedule,
    string Start,
    string? ReservedId,
    string Moves,
    string? RtoTier,
    string? ProvesRpoOf,
    string Gate,
    string? Gated,
    IReadOnlyList<string> Verbs,
    string? Starts,
    IReadOnlyList<string> PlannedSteps);

/// <summary>The runbooks and their policies as the rows declare them: `dr runbooks --json` and <c>GET /api/runbooks</c> say the same.</summary>
public static class RunbookCatalog
{
    public static IReadOnlyList<RunbookEntry> Of(IConfiguration? configuration)
    {
        var schedules = configuration is null ? null : RunbookRegistry.LoadSchedules(configuration);
        return RunbookRegistry.All.Select(r => new RunbookEntry(
            r.Name,
            KebabCase.Of(r.Category),
            r.Version,
            r.Summary,
            r.Backs?.Name,
            r.Schedule is { } s ? $"{s.Name} ({schedules?[s.Name].Cron ?? s.Cron})" : null,
            KebabCase.Of(r.Start),
            r.ReservedId,
            r.Moves.Text,
            r.RtoTier is { } tier ? KebabCase.Of(tier) : null,
            r.ProvesRpoOf is { } data ? KebabCase.Of(data) : null,
            KebabCase.Of(r.Gate),
            r.Gate == ApprovalGate.None ? null : r.Gated.Text,
            r.Verbs,
            r.Starts is { } started ? RunbookRegistry.Find(started)?.Name : null,
            r.PlannedSteps)).ToList();
    }
}
