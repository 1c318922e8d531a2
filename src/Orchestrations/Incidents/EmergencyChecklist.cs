namespace CausalEval.Dr.Orchestrations.Incidents;

/// <summary>The seed's four phases of an emergency, with when each phase's items are due after the incident starts.</summary>
public enum IncidentPhase { Immediate, ShortTerm, Recovery, PostIncident }

/// <summary>
/// Who completes an item: a person (<see cref="Runbooks"/> empty), or any of the named runbooks when one of them
/// succeeds after the incident started (its instance id is the evidence). A person may still tick an automatic item.
/// </summary>
/// <param name="Id">Stable across versions of the template: ticks name it.</param>
/// <param name="Due">After the incident's start.</param>
/// <param name="Owner">The role that owns it (incident commander, communications, SRE on call, …).</param>
public sealed record ChecklistItem(string Id, IncidentPhase Phase, string Text, TimeSpan Due, string Owner, IReadOnlyList<string> Runbooks)
{
    public bool Automatic => Runbooks.Count > 0;
}

/// <summary>
/// The seed's emergency-response checklist as a versioned template: each item with its phase, due time (the end of its
/// phase: 5 min, 30 min, 24 h, 7 days), owner role, and completer. Items are never renumbered: a new version adds or
/// retires items, and an incident keeps the version it started with.
/// </summary>
public static class EmergencyChecklist
{
    public const string Version = "1";

    private static readonly TimeSpan Five = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan Thirty = TimeSpan.FromMinutes(30);
    private static readonly TimeSpan Day = TimeSpan.FromHours(24);
    private static readonly TimeSpan Week = TimeSpan.FromDays(7);

    public static IReadOnlyList<ChecklistItem> Items { get; } =
    [
        new("assess-scope", IncidentPhase.Immediate, "Assess scope and impact of disaster", Five, "incident-commander", []),
        new("notify-team", IncidentPhase.Immediate, "Notify incident response team", Five, "incident-commander", []),
        new("activate-channels", IncidentPhase.Immediate, "Activate emergency communication channels", Five, "communications", []),
        new("begin-mitigation", IncidentPhase.Immediate, "Begin impact mitigation procedures", Five, "sre-on-call", []),
        new("execute-failover", IncidentPhase.ShortTerm, "Execute automated failover if appropriate", Thirty, "sre-on-call", ["Failover"]),
        new("verify-backups", IncidentPhase.ShortTerm, "Verify backup systems are functioning", Thirty, "sre-on-call",
            ["BackupDatabase", "CheckWalArchive", "BackupRestoreTest"]),
        new("communicate-status", IncidentPhase.ShortTerm, "Communicate status to stakeholders", Thirty, "communications", []),
        new("begin-manual-recovery", IncidentPhase.ShortTerm, "Begin manual recovery procedures if needed", Thirty, "sre-on-call", []),
        new("execute-full-recovery", IncidentPhase.Recovery, "Execute full recovery procedures", Day, "sre-on-call",
            ["Reprotect", "RecoverRegion", "RecoverDatabase"]),
        new("verify-data-integrity", IncidentPhase.Recovery, "Verify data integrity and completeness", Day, "sre-on-call", ["BackupRestoreTest"]),
        new("resume-normal-operations", IncidentPhase.Recovery, "Resume normal operations gradually", Day, "incident-commander", ["Failback"]),
        new("monitor-stability", IncidentPhase.Recovery, "Monitor system stability", Day, "sre-on-call", []),
        new("post-mortem", IncidentPhase.PostIncident, "Conduct post-mortem analysis", Week, "incident-commander", []),
        new("update-procedures", IncidentPhase.PostIncident, "Update disaster recovery procedures", Week, "sre-lead", []),
        new("test-improved-procedures", IncidentPhase.PostIncident, "Test improved procedures", Week, "sre-lead",
            ["FailoverTest", "BackupRestoreTest", "FullDrSimulation"]),
        new("report-to-stakeholders", IncidentPhase.PostIncident, "Report to stakeholders", Week, "communications", []),
    ];

    public static ChecklistItem? Find(string id) => Items.FirstOrDefault(i => i.Id == id);
}
