using CausalEval.Dr.Core.Runs;
using CausalEval.Dr.Orchestrations.Steps;

namespace CausalEval.Dr.Orchestrations.Incidents;

/// <summary>What a person does to an open incident, raised as its <see cref="EmergencyResponse.ActionEvent"/> event.</summary>
/// <param name="Action">"tick" (done), "skip" (with a reason) or "close".</param>
public sealed record IncidentAction(string Action, string? Item = null, string? By = null, string? Note = null, string? Reason = null)
{
    /// <summary>Why the incident cannot take this action, or null.</summary>
    public string? Problem(IReadOnlyCollection<ItemTick> ticks)
    {
        if (string.IsNullOrWhiteSpace(By))
        {
            return "by: who does it is required";
        }

        if (Action == "close")
        {
            return null;
        }

        if (Action is not ("tick" or "skip"))
        {
            return $"action: '{Action}' is not tick, skip or close";
        }

        if (Item is null || EmergencyChecklist.Find(Item) is null)
        {
            return $"item: '{Item}' is not on the checklist ({string.Join(", ", EmergencyChecklist.Items.Select(i => i.Id))})";
        }

        if (Action == "skip" && string.IsNullOrWhiteSpace(Reason))
        {
            return "reason: a skip needs one";
        }

        return ticks.FirstOrDefault(t => t.Item == Item) is { } done ? $"item {Item} was {done.Outcome} by {done.By} at {done.At:u}" : null;
    }
}

/// <param name="Drill">The drill that opened it: its ticks are a drill's, and its alerts are tagged.</param>
public sealed record EmergencyResponseInput(
    string Severity = "critical",
    string Summary = "",
    string? Drill = null,
    [property: StarterOwned(EmergencyResponseInput.Itself)] IReadOnlyList<ItemTick>? Ticks = null,
    [property: StarterOwned(EmergencyResponseInput.Itself)] IReadOnlyList<StepRecord>? Earlier = null,
    [property: StarterOwned(EmergencyResponseInput.Itself)] DateTime? OpenedAt = null,
    [property: StarterOwned(EmergencyResponseInput.Itself)] IncidentPlan? Plan = null,
    string? Trigger = null) : ITriggeredInput, IValidatedInput
{
    private const string Itself = "the incident itself (its ticks from one execution to the next)";

    public static readonly string[] Severities = ["critical", "high", "medium", "low"];

    public string? Validate() =>
        !Severities.Contains(Severity) ? $"severity: '{Severity}' is not one of {string.Join(", ", Severities)}"
        : string.IsNullOrWhiteSpace(Summary) || Summary.Length > 500 ? "summary: say what happened (1 to 500 characters)"
        : null;
}

public sealed record IncidentSummary(string Id, int Done, int Skipped, int Open, DateTime? ClosedAt);

/// <summary>
/// The emergency-response checklist as a runbook (the seed's four phases, <see cref="EmergencyChecklist"/>): opened by a
/// person, by the monitor when it decides to fail over, or by a drill. It waits for people's ticks (the
/// <see cref="ActionEvent"/> event: tick, skip with a reason, close) and, between them, looks for the runbooks that complete
/// the automatic items (a Failover that succeeded ticks "execute automated failover", with its instance id as evidence).
/// A durable timer wakes it at each item's due time: an item past it is marked overdue in the incident's record, and the
/// alert evaluator raises an alert for it until it is ticked. Every tick is a step of the run record (who, when, evidence);
/// the record of the whole incident is also <c>incidents/{id}.json</c>. It ends when every item is ticked or skipped, or
/// when someone closes it. It continues as new every few hundred rounds, carrying its ticks and steps.
/// </summary>
public sealed class EmergencyResponse : Runbook<EmergencyResponseInput, IncidentSummary>
{
    public const string ActionEvent = "Incident";

    /// <summary>The incident the monitor opens for a failover it starts.</summary>
    public static string IncidentIdFor(string failover) => $"incident-{failover}";
    private const int RoundsPerExecution = 200;
    private static readonly TimeSpan LookEvery = TimeSpan.FromSeconds(10);

    protected override int StepCount(EmergencyResponseInput input) => EmergencyChecklist.Items.Count + 3;

    protected override async Task<IncidentSummary> RunStepsAsync(RunbookRun run, EmergencyResponseInput input)
    {
        var opened = input.OpenedAt ?? run.StartedAt;
        var ticks = input.Ticks?.ToList() ?? [];
        var trigger = run.Trigger;
        run.Carry(input.Earlier ?? []);
        run.Subject = $"{input.Severity}: {input.Summary}";
        var plan = input.Plan ?? await run.StepAsync("plan", PlanIncident.Ref, run.InstanceId, StepOptions.Retried);
        DateTime Due(ChecklistItem item) => opened.AddSeconds(plan.DueSeconds[item.Id]);
        IncidentRecord Record(DateTime? closedAt = null, string? closedBy = null) =>
            new(run.InstanceId, input.Severity, input.Summary, trigger, input.Drill, plan.ChecklistVersion, opened, closedAt, closedBy,
                EmergencyChecklist.Items.Select(i =>
                {
                    var tick = ticks.FirstOrDefault(t => t.Item == i.Id);
                    return new IncidentItem(i.Id, i.Phase.ToString(), i.Text, i.Owner, i.Runbooks, Due(i), tick, tick is null && run.Now >= Due(i));
                }).ToList());
        List<string> Overdue(DateTime now) => EmergencyChecklist.Items.Where(i => ticks.All(t => t.Item != i.Id) && now >= Due(i)).Select(i => i.Id).ToList();

        if (input.OpenedAt is null)
        {
            await run.StepAsync("open incident", SaveIncident.Ref, Record(), StepOptions.Retried);
        }

        var overdue = Overdue(run.Now);
        for (var round = 0; round < RoundsPerExecution; round++)
        {
            var open = EmergencyChecklist.Items.Where(i => ticks.All(t => t.Item != i.Id)).ToList();
            if (open.Count == 0)
            {
                return await CloseAsync(run, Record, ticks, "every item ticked or skipped", null);
            }

            var now = run.Now;
            var nextDue = open.Select(Due).Where(d => d > now).DefaultIfEmpty(DateTime.MaxValue).Min();
            // The runbooks that tick items act in the first minutes (a failover takes seconds): look often then, rarely later.
            var look = now - opened < TimeSpan.FromMinutes(5) ? TimeSpan.FromSeconds(2) : now - opened < TimeSpan.FromHours(1) ? LookEvery
                : TimeSpan.FromMinutes(1);
            var wait = nextDue - now < look ? nextDue - now + TimeSpan.FromMilliseconds(100) : look;
            var action = await run.NextEventAsync<IncidentAction>(ActionEvent, wait);
            var changed = false;
            if (action is { Action: "close" } && action.Problem(ticks) is null)
            {
                return await CloseAsync(run, Record, ticks, $"closed by {action.By}" + (action.Reason is { } why ? $": {why}" : ""), action.By);
            }

            if (action is not null)
            {
                if (action.Problem(ticks) is { } problem)
                {
                    run.SetDetail($"refused: {problem}");
                }
                else
                {
                    var tick = new ItemTick(action.Item!, action.Action == "skip" ? "skipped" : "done", action.By!.Trim(), run.Now,
                        action.Note ?? action.Reason);
                    ticks.Add(tick);
                    run.Mark(EmergencyChecklist.Find(tick.Item)!.Text, tick.Outcome == "skipped" ? StepOutcome.Skipped : StepOutcome.Succeeded,
                        Describe(tick, opened));
                    changed = true;
                }
            }
            else if (open.Where(i => i.Automatic).Select(i => new PendingItem(i.Id, i.Runbooks)).ToList() is { Count: > 0 } automatic)
            {
                foreach (var done in await run.AskAsync(FindItemCompletions.Ref, new FindItemCompletionsInput(opened, automatic)))
                {
                    var tick = new ItemTick(done.Item, "done", done.Runbook, run.Now, $"{done.Runbook} succeeded at {done.EndedAt:u}", done.InstanceId);
                    ticks.Add(tick);
                    run.Mark(EmergencyChecklist.Find(tick.Item)!.Text, StepOutcome.Succeeded, Describe(tick, opened));
                    changed = true;
                }
            }

            var nowOverdue = Overdue(run.Now);
            if (changed || !nowOverdue.SequenceEqual(overdue))
            {
                overdue = nowOverdue;
                await run.AskAsync(SaveIncident.Ref, Record());
            }

            run.SetDetail($"{ticks.Count} of {EmergencyChecklist.Items.Count} done" + (overdue.Count > 0 ? $"; overdue: {string.Join(", ", overdue)}" : ""));
        }

        run.ContinueAsNew(input with { Ticks = ticks, Earlier = run.Steps.ToList(), OpenedAt = opened, Plan = plan });
        return Summary(run.InstanceId, ticks, null);
    }

    private static async Task<IncidentSummary> CloseAsync(RunbookRun run, Func<DateTime?, string?, IncidentRecord> record, List<ItemTick> ticks,
        string how, string? by)
    {
        var closedAt = run.Now;
        await run.StepAsync("close incident", SaveIncident.Ref, record(closedAt, by ?? "the checklist"), StepOptions.Retried);
        run.SetDetail(how);
        return Summary(run.InstanceId, ticks, closedAt);
    }

    private static string Describe(ItemTick tick, DateTime opened) =>
        $"{tick.Outcome} by {tick.By} {(tick.At - opened).TotalSeconds:0.#} s after the incident opened" +
        (tick.Evidence is { } evidence ? $" (evidence: {evidence})" : "") + (tick.Note is { } note ? $": {note}" : "");

    private static IncidentSummary Summary(string id, List<ItemTick> ticks, DateTime? closedAt) =>
        new(id, ticks.Count(t => t.Outcome == "done"), ticks.Count(t => t.Outcome == "skipped"), EmergencyChecklist.Items.Count - ticks.Count, closedAt);
}
