namespace CausalEval.Dr.Orchestrations.Steps;

/// <summary>
/// How a step calls the outside world: how many attempts, how far apart, and how long one attempt may
/// take. Only errors another attempt might fix are retried (<see cref="Core.Errors.ErrorKinds.IsRetryable"/>):
/// bad input, configuration, corrupt data and safety refusals fail at once.
/// </summary>
public sealed record StepOptions(int MaxAttempts = 1, TimeSpan? FirstRetryInterval = null, double BackoffCoefficient = 2, TimeSpan? AttemptTimeout = null)
{
    /// <summary>One attempt: for steps whose failure is the finding (a late WAL archive), not a hiccup to hide.</summary>
    public static StepOptions Once { get; } = new();

    /// <summary>3 attempts, 2 s then 4 s apart: rides out a storage hiccup without hiding a real outage.</summary>
    public static StepOptions Retried { get; } = new(MaxAttempts: 3, FirstRetryInterval: TimeSpan.FromSeconds(2));

    /// <summary>5 attempts from 1 s apart: for steps against the RTO clock or while writes are stopped (failover, switchover).</summary>
    public static StepOptions Urgent { get; } = new(MaxAttempts: 5, FirstRetryInterval: TimeSpan.FromSeconds(1), BackoffCoefficient: 1.5);

    /// <summary>8 attempts from 1 s apart, growing (about half a minute in all): for a check that waits for clients to settle after a
    /// move (a verify whose instances still hold connections the move cut), where giving up sooner fails a move that worked.</summary>
    public static StepOptions UntilSettled { get; } = new(MaxAttempts: 8, FirstRetryInterval: TimeSpan.FromSeconds(1), BackoffCoefficient: 1.5);

    /// <summary>This policy, with a limit per attempt (timers fire up to 1 s early on Azure Storage: keep limits coarse).</summary>
    public StepOptions WithTimeout(TimeSpan perAttempt) => this with { AttemptTimeout = perAttempt };
}
