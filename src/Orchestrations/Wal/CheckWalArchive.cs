using CausalEval.Dr.Activities.Wal;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.Wal;

public sealed record CheckWalArchiveInput(string? Trigger = null, int MaxWaitSeconds = 120);

/// <summary>
/// Runbook: the seed's 15-minute database "incremental" with continuous archiving: force a WAL switch and
/// prove the segment reached the archive, so the 5-minute database RPO holds on an idle database too.
/// </summary>
public sealed class CheckWalArchive : TaskOrchestrator<CheckWalArchiveInput?, WalArchiveFresh>
{
    public override async Task<WalArchiveFresh> RunAsync(TaskOrchestrationContext context, CheckWalArchiveInput? input)
    {
        input ??= new CheckWalArchiveInput();
        if (input.MaxWaitSeconds is < 1 or > 3600)
        {
            throw new ArgumentException($"maxWaitSeconds: {input.MaxWaitSeconds} is outside 1..3600");
        }

        // No retry: a late archive is the finding, not a hiccup to hide.
        return await context.CallActivityAsync<WalArchiveFresh>(nameof(SwitchWalAndAwaitArchive), new SwitchWalAndAwaitArchiveInput(input.MaxWaitSeconds));
    }
}
