using CausalEval.Dr.Orchestrations.Failover;
using CausalEval.Dr.Orchestrations.Instances;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.Drills;

/// <param name="Id">Null while no failover started since the injection.</param>
public sealed record FailoverSeen(string? Id, string? Status, DateTime? CreatedAt)
{
    public bool Ended => Status is "Completed" or "Failed" or "Terminated";
}

/// <summary>The failover that started at or after <c>since</c> (the monitor's, which the drill waits for and never starts itself).</summary>
public sealed class FindMonitorFailover(IInstanceStarter hub) : DrActivity<FindMonitorFailover, DateTimeOffset, FailoverSeen>
{
    public override async Task<FailoverSeen> RunAsync(TaskActivityContext context, DateTimeOffset since)
    {
        var found = (await hub.ListAsync(FailoverInstance.Prefix)).Where(i => i.CreatedAt >= since.UtcDateTime.AddSeconds(-1)).MinBy(i => i.CreatedAt);
        return new FailoverSeen(found?.Id, found?.Status, found?.CreatedAt);
    }
}
