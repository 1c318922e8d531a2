using CausalEval.Dr.Activities.Wal;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.Wal;

public sealed record CheckWalArchiveInput(string? Trigger = null, int MaxWaitSeconds = 120) : IValidatedInput
{
    public string? Validate() => MaxWaitSeconds is < 1 or > 3600 ? $"maxWaitSeconds: {MaxWaitSeconds} is outside 1..3600" : null;
}

/// <summary>
/// Runbook: the seed's 15-minute database "incremental" with continuous archiving: force a WAL switch and
/// prove the segment reached the archive, so the 5-minute database RPO holds on an idle database too.
/// The run is recorded (kind "wal") for the backup success rate.
/// </summary>
public sealed class CheckWalArchive : TaskOrchestrator<CheckWalArchiveInput?, WalArchiveFresh>
{
    public override async Task<WalArchiveFresh> RunAsync(TaskOrchestrationContext context, CheckWalArchiveInput? input)
    {
        input ??= new CheckWalArchiveInput();
        if (input.Validate() is { } problem)
        {
            throw new ArgumentException(problem);
        }

        // Recorded as kind "wal": the incremental row of the backup success rate.
        return await RecordedRun.RunAsync(context, "wal", nameof(CheckWalArchive), context.InstanceId, input.Trigger ?? "manual", async () =>
        {
            // No retry: a late archive is the finding, not a hiccup to hide.
            var fresh = await context.CallActivityAsync<WalArchiveFresh>(nameof(SwitchWalAndAwaitArchive), new SwitchWalAndAwaitArchiveInput(input.MaxWaitSeconds));
            return (fresh, (long?)null);
        });
    }
}
