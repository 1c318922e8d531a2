using CausalEval.Dr.Orchestrations.Steps;

namespace CausalEval.Dr.Orchestrations.Backups;

public sealed record CheckWalArchiveInput(string? Trigger = null, int MaxWaitSeconds = 120) : ITriggeredInput, IValidatedInput
{
    public string? Validate() => MaxWaitSeconds is < 1 or > 3600 ? $"maxWaitSeconds: {MaxWaitSeconds} is outside 1..3600" : null;
}

/// <summary>
/// Runbook: the seed's 15-minute database "incremental" under continuous archiving: force a WAL switch and
/// prove the segment reached the archive, so the 5-minute database RPO holds on an idle database too.
/// </summary>
public sealed class CheckWalArchive : Runbook<CheckWalArchiveInput?, WalArchiveFresh>
{
    protected override async Task<WalArchiveFresh> RunStepsAsync(RunbookRun run, CheckWalArchiveInput? input)
    {
        input ??= new CheckWalArchiveInput();
        // One attempt: a late archive is the finding, not a hiccup to hide.
        var fresh = await run.StepAsync("switch and await archive", SwitchWalAndAwaitArchive.Ref,
            new SwitchWalAndAwaitArchiveInput(input.MaxWaitSeconds), StepOptions.Once);
        run.Subject = fresh.Segment;
        run.Report("secondsToArchive", fresh.SecondsToArchive);
        return fresh;
    }
}
