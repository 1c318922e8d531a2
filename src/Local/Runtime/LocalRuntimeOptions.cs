namespace CausalEval.Dr.Local.Runtime;

/// <summary>Settings of the durable local runtime (section "Runtime").</summary>
public sealed class LocalRuntimeOptions
{
    public const string Section = "Runtime";

    public string TaskHubName { get; set; } = "drlocal";

    /// <summary>Stable across restarts: a new id would wait for the old one's partition lease to expire.</summary>
    public string WorkerId { get; set; } = $"dr-{Environment.MachineName}";

    public int PartitionCount { get; set; } = 1;

    /// <summary>
    /// How long an activity's queue message stays hidden while it runs. If the host dies mid-activity,
    /// the activity runs again after this long (Azure's default is 5 min; locally we want a quick resume).
    /// Running activities renew it, so it does not bound an activity's duration.
    /// </summary>
    public int WorkItemVisibilityTimeoutSeconds { get; set; } = 30;

    public int MaxQueuePollingIntervalMs { get; set; } = 100;
}
