using CausalEval.Dr.Orchestrations.Steps;

namespace CausalEval.Dr.Orchestrations.FileStorage;

/// <param name="At">A file-storage point's id, or a time (ISO 8601 with offset): the newest point completed by then.</param>
/// <param name="To">Where to rebuild the state: a region ("secondary": its file store) or a region and another container of its store
/// ("secondary/restored").</param>
/// <param name="Prefix">Only the objects whose keys start with it.</param>
/// <param name="Replace">Make the target equal to the point: objects it has that the point has not are deleted. Over the live store
/// (the serving region's own container) only with it, and past an approval gate.</param>
public sealed record RestoreFilesInput(string At, string To, string? Prefix = null, bool Replace = false, bool PreApproved = false,
    string? ApprovedBy = null, string? Trigger = null, int ApprovalTimeoutSeconds = 900) : ITriggeredInput, IValidatedInput
{
    public string? Validate() => string.IsNullOrWhiteSpace(At) ? "at: a point id or a time is required (see `dr backup list --kind file-storage`)"
        : string.IsNullOrWhiteSpace(To) ? "to: a region, or region/container, is required"
        : To.Split('/') is var parts && (parts.Length > 2 || parts.Any(string.IsNullOrWhiteSpace)) ? $"to: '{To}' is not region or region/container"
        : PreApproved && string.IsNullOrWhiteSpace(ApprovedBy) ? "approvedBy: who approves is required with preApproved"
        : ApprovalTimeoutSeconds is < 1 or > 7 * 24 * 3600 ? $"approvalTimeoutSeconds: {ApprovalTimeoutSeconds} is outside 1..604800"
        : null;
}

public sealed record RestoreFilesResult(FileRestorePlan Plan, ApprovalOutcome? Approval, long Restored, long RestoredBytes, long Removed,
    FileRestoreCheck Verified);

/// <summary>
/// Runbook: rebuild the framework's files as of a file-storage point into a target store.
/// 1. Plan: the point (by id, or the newest completed by the time given), the target; a target that holds objects under the
///    prefix is refused without replace, and so is the live store (nothing is touched).
/// 2. Over the live store: an approval gate.
/// 3. Restore, a batch of the point's state parts per step: every content read back checked against its SHA-256, then written.
/// 4. With replace: objects the point has not are deleted from the target.
/// 5. Verify: the target's listing holds exactly the point's keys and sizes under the prefix.
/// </summary>
public sealed class RestoreFiles : Runbook<RestoreFilesInput, RestoreFilesResult>
{
    private const int PartsPerStep = 8;

    protected override async Task<RestoreFilesResult> RunStepsAsync(RunbookRun run, RestoreFilesInput input)
    {
        var plan = await run.StepAsync("plan", PlanFileRestore.Ref, new PlanFileRestoreInput(input.At, input.To, input.Prefix ?? "", input.Replace),
            StepOptions.Retried);
        run.Subject = plan.PointId;

        ApprovalOutcome? approval = null;
        if (plan.Live)
        {
            approval = await run.RequireApprovalAsync("approve replacing the live files", input.PreApproved, input.ApprovedBy,
                TimeSpan.FromSeconds(input.ApprovalTimeoutSeconds), $"replacing {plan.Target} with point {plan.PointId}", "the live files are untouched");
        }

        long restored = 0, bytes = 0;
        for (var first = 0; first < plan.Parts; first += PartsPerStep)
        {
            var done = await run.StepAsync("restore objects", RestoreFileObjects.Ref,
                new RestoreFileObjectsInput(plan.PointId, plan.Region, plan.Container, plan.Prefix, first, Math.Min(PartsPerStep, plan.Parts - first)),
                StepOptions.Retried);
            restored += done.Objects;
            bytes += done.Bytes;
            run.SetDetail($"{restored} objects restored");
        }

        long removed = 0;
        if (input.Replace)
        {
            removed = (await run.StepAsync("remove what the point has not", RemoveExtraFiles.Ref,
                new CheckFileRestoreInput(plan.PointId, plan.Region, plan.Container, plan.Prefix), StepOptions.Retried)).Extra;
        }

        var verified = await run.StepAsync("verify", VerifyFileRestore.Ref, new CheckFileRestoreInput(plan.PointId, plan.Region, plan.Container, plan.Prefix),
            StepOptions.Retried);
        run.Report("objects", restored);
        run.Report("sizeBytes", bytes);
        run.Report("removed", removed);
        return new RestoreFilesResult(plan, approval, restored, bytes, removed, verified);
    }
}
