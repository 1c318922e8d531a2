using CausalEval.Dr.Adapters.Runs;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.Incidents;

/// <param name="Items">The automatic items still open, with the runbooks that complete them.</param>
public sealed record FindItemCompletionsInput(DateTime Since, IReadOnlyList<PendingItem> Items);

public sealed record PendingItem(string Id, IReadOnlyList<string> Runbooks);

/// <summary>An item a runbook completed: its run, which is the evidence.</summary>
public sealed record ItemCompletion(string Item, string Runbook, string InstanceId, DateTime EndedAt);

/// <summary>
/// The open automatic items that a runbook has since completed: for each, the first run of one of its runbooks that
/// ended in success after the incident opened (the failover that made the monitor open it started just before it; read
/// from the run records, as the KPI report reads them).
/// </summary>
public sealed class FindItemCompletions(RunRecordStore runs) : DrActivity<FindItemCompletions, FindItemCompletionsInput, IReadOnlyList<ItemCompletion>>
{
    public override async Task<IReadOnlyList<ItemCompletion>> RunAsync(TaskActivityContext context, FindItemCompletionsInput input)
    {
        var since = new DateTimeOffset(DateTime.SpecifyKind(input.Since, DateTimeKind.Utc));
        var records = await runs.ListAsync(since, DateTimeOffset.UtcNow, null);
        var found = new List<ItemCompletion>();
        foreach (var item in input.Items)
        {
            var done = records.Where(r => r.Succeeded && r.EndedAt >= since && item.Runbooks.Contains(r.Runbook)).MinBy(r => r.EndedAt);
            if (done is not null)
            {
                found.Add(new ItemCompletion(item.Id, done.Runbook, done.InstanceId, done.EndedAt.UtcDateTime));
            }
        }

        return found;
    }
}
