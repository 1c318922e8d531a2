using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations;

/// <summary>Retry settings for steps that talk to the outside world. Steps are idempotent, so retrying is safe.</summary>
public static class StepRetry
{
    /// <summary>
    /// 3 attempts, 2 s then 4 s apart: rides out a storage hiccup without hiding a real outage. Errors that
    /// another attempt cannot fix (bad arguments, configured files that do not exist, unsupported clusters) fail at once.
    /// </summary>
    public static TaskOptions Default { get; } = TaskOptions.FromRetryPolicy(new RetryPolicy(
        maxNumberOfAttempts: 3, firstRetryInterval: TimeSpan.FromSeconds(2), backoffCoefficient: 2)
    {
        HandleFailure = failure => !failure.IsCausedBy<ArgumentException>() && !failure.IsCausedBy<FileNotFoundException>() && !failure.IsCausedBy<NotSupportedException>(),
    });
}
