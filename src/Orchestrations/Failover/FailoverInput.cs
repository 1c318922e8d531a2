using CausalEval.Dr.Adapters.Compute;
using CausalEval.Dr.Core.Nodes;
using CausalEval.Dr.Core.Requests;
using CausalEval.Dr.Orchestrations.Steps.Database;
using CausalEval.Dr.Orchestrations.Steps.Region;
using CausalEval.Dr.Orchestrations.Steps;

namespace CausalEval.Dr.Orchestrations.Failover;

/// <param name="To">Target region (default: the secondary).</param>
/// <param name="Force">Promote a standby further behind than the database RPO.</param>
/// <param name="PreApproved">Approved when started (`dr failover --approve`); recorded with <paramref name="ApprovedBy"/>.</param>
/// <param name="Trigger">"monitor" (automatic: no approval gate) or "manual".</param>
/// <param name="DetectedAt">The monitor's first failed round: where the RTO clock starts.</param>
/// <param name="LastPrimaryLsn">The primary's last flushed WAL position the monitor saw.</param>
public sealed record FailoverInput(
    string? To = null,
    bool Force = false,
    bool PreApproved = false,
    string? ApprovedBy = null,
    string? Trigger = null,
    [property: StarterOwned("the monitor, when it starts the failover: the RTO clock starts there")] DateTime? DetectedAt = null,
    [property: StarterOwned("the monitor, when it starts the failover: the data-loss bound is measured from it")] string? LastPrimaryLsn = null,
    int ApprovalTimeoutSeconds = 900) : ITriggeredInput, IValidatedInput
{
    public const string MonitorTrigger = "monitor";

    public bool Automatic => Trigger == MonitorTrigger;

    public string? Validate() =>
        ApprovalTimeoutSeconds is < 1 or > 86400 ? $"approvalTimeoutSeconds: {ApprovalTimeoutSeconds} is outside 1..86400"
        : To is { } to && string.IsNullOrWhiteSpace(to) ? "to: empty region name"
        : PreApproved && string.IsNullOrWhiteSpace(ApprovedBy) ? "approvedBy: who approves is required with preApproved"
        : ApprovedBy is { Length: > RequestLimits.MaxNameLength } ? $"approvedBy: longer than {RequestLimits.MaxNameLength} characters"
        : LastPrimaryLsn is { } lsn && !lsn.Contains('/') ? $"lastPrimaryLsn: '{lsn}' is not a WAL position (like 0/3000148)"
        : null;
}

/// <param name="RtoSeconds">From the first failed health round (or the run's start, when started by hand) to the verified service.</param>
/// <param name="DataLossBoundBytes">WAL the promoted standby had not received of the last primary position seen (null: unknown).</param>
/// <param name="Files">The framework's files in the target region: from where, what was copied, the file-storage loss window.</param>
public sealed record FailoverResult(
    FailoverPlan Plan,
    ApprovalOutcome? Approval,
    OldPrimaryFenced Fence,
    NodeStatus Promoted,
    IReadOnlyList<DnsRecordSwitched> Dns,
    IReadOnlyList<ServiceScaled> Scaled,
    ServiceVerified Verified,
    string EmergencyBackupId,
    double RtoSeconds,
    long? DataLossBoundBytes,
    FileStorage.FilesCaughtUp? Files = null);
