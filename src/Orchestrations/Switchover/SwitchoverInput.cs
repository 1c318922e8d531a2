using CausalEval.Dr.Core.Nodes;
using CausalEval.Dr.Core.Requests;
using CausalEval.Dr.Orchestrations.Steps.Region;
using CausalEval.Dr.Orchestrations.Steps;

namespace CausalEval.Dr.Orchestrations.Switchover;

/// <param name="To">Target region (default: home, the topology's primary, when another serves; else the secondary).</param>
/// <param name="PreApproved">Approved when started (`dr switchover --approve`); recorded with <paramref name="ApprovedBy"/>.</param>
/// <param name="TokenTimeoutSeconds">How long the target may take to replay the demotion token before the switchover aborts.</param>
/// <param name="MaxLagMiB">The most WAL the standby may have left to replay when the switchover starts.</param>
public sealed record SwitchoverInput(
    string? To = null,
    bool PreApproved = false,
    string? ApprovedBy = null,
    int ApprovalTimeoutSeconds = 900,
    double TokenTimeoutSeconds = 30,
    double MaxLagMiB = 64,
    string? Trigger = null) : ITriggeredInput, IValidatedInput
{
    public string? Validate() =>
        ApprovalTimeoutSeconds is < 1 or > 86400 ? $"approvalTimeoutSeconds: {ApprovalTimeoutSeconds} is outside 1..86400"
        : TokenTimeoutSeconds is < 0.1 or > 3600 ? $"tokenTimeoutSeconds: {TokenTimeoutSeconds} is outside 0.1..3600"
        : MaxLagMiB is < 0 or > 1048576 ? $"maxLagMiB: {MaxLagMiB} is outside 0..1048576"
        : To is { } to && string.IsNullOrWhiteSpace(to) ? "to: empty region name"
        : PreApproved && string.IsNullOrWhiteSpace(ApprovedBy) ? "approvedBy: who approves is required with preApproved"
        : ApprovedBy is { Length: > RequestLimits.MaxNameLength } ? $"approvedBy: longer than {RequestLimits.MaxNameLength} characters"
        : null;
}

/// <param name="WriteGapSeconds">From the old primary's stand-down to the database record naming the new one (the orchestration's clock).</param>
public sealed record SwitchoverResult(
    SwitchoverPlan Plan,
    ApprovalOutcome Approval,
    DemotionToken Token,
    NodeStatus Promoted,
    IReadOnlyList<DnsRecordSwitched> Dns,
    ServiceVerified Verified,
    NodeStatus OldPrimary,
    double WriteGapSeconds);
