namespace CausalEval.Dr.Orchestrations.Steps;

/// <summary>
/// The one custom status every runbook sets: which step of how many runs, since when (orchestration time),
/// and what it is doing. `dr status`, the CLI's progress lines and the dashboard read it.
/// </summary>
/// <param name="Subject">What the run acts on (a backup id, a node), once known.</param>
/// <param name="Outcome">Null while the run goes on; "succeeded" or "failed" once it ended.</param>
/// <param name="AwaitingDecision">True while the step is an approval gate waiting for Approve or Reject (the API refuses a decision otherwise).</param>
public sealed record RunbookStatus(
    string Runbook,
    string Version,
    string Step,
    int Index,
    int Count,
    DateTime StepStartedAt,
    string? Detail,
    string? Subject,
    string? Outcome = null,
    bool AwaitingDecision = false)
{
    /// <summary>An instance's custom status read as a runbook's; null when it has none or it is not a runbook's.</summary>
    public static RunbookStatus? Of(string? serializedCustomStatus)
    {
        try
        {
            return serializedCustomStatus is { Length: > 0 } json
                ? System.Text.Json.JsonSerializer.Deserialize<RunbookStatus>(json, Core.DrJson.Options)
                : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
