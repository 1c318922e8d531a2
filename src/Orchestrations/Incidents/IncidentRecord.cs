using CausalEval.Dr.Adapters.Storage;

namespace CausalEval.Dr.Orchestrations.Incidents;

/// <summary>One item's completion: who (a person, or the runbook that did it), when, and the evidence or the reason.</summary>
/// <param name="Outcome">"done" or "skipped".</param>
/// <param name="Evidence">The instance id of the runbook that did it, when one did.</param>
public sealed record ItemTick(string Item, string Outcome, string By, DateTime At, string? Note = null, string? Evidence = null);

/// <param name="DueAt">When the item falls due (the incident's start plus the item's due time).</param>
/// <param name="Overdue">Past its due time and not ticked: an alert fires for it until it is.</param>
public sealed record IncidentItem(string Id, string Phase, string Text, string Owner, IReadOnlyList<string> Runbooks, DateTime DueAt, ItemTick? Tick,
    bool Overdue);

/// <summary>
/// An incident as people and the alert evaluator read it (<c>incidents/{id}.json</c>, written by its runbook at every
/// change): severity, summary, the checklist version and every item with its due time and tick.
/// </summary>
public sealed record IncidentRecord(string Id, string Severity, string Summary, string Trigger, string? Drill, string ChecklistVersion, DateTime OpenedAt,
    DateTime? ClosedAt, string? ClosedBy, IReadOnlyList<IncidentItem> Items)
{
    public static string Key(string id) => $"incidents/{id}.json";

    public bool Open => ClosedAt is null;
}

/// <summary>The incidents in the control plane's store.</summary>
public sealed class IncidentStore(IObjectStore store)
{
    public Task WriteAsync(IncidentRecord incident, CancellationToken cancellationToken = default) =>
        store.PutJsonAsync(IncidentRecord.Key(incident.Id), incident, cancellationToken);

    public async Task<IncidentRecord?> FindAsync(string id, CancellationToken cancellationToken = default) =>
        await store.GetInfoAsync(IncidentRecord.Key(id), cancellationToken) is null ? null
            : await store.ReadJsonAsync<IncidentRecord>(IncidentRecord.Key(id), cancellationToken);

    public async Task<IReadOnlyList<IncidentRecord>> ListAsync(CancellationToken cancellationToken = default)
    {
        var found = new List<IncidentRecord>();
        foreach (var item in await store.ListAsync("incidents/", cancellationToken))
        {
            found.Add(await store.ReadJsonAsync<IncidentRecord>(item.Key, cancellationToken));
        }

        return found.OrderByDescending(i => i.OpenedAt).ToList();
    }
}
