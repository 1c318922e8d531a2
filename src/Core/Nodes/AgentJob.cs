using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace CausalEval.Dr.Core.Nodes;

[JsonConverter(typeof(KebabCaseEnumConverter<AgentJobState>))]
public enum AgentJobState { Running, Succeeded, Failed }

/// <summary>
/// Long work a node agent does on its host (restore a backup into a new data directory, ...), started by id
/// so a retried start never starts it twice. The orchestration long-polls it (GET /jobs/{id}?waitSeconds=N).
/// </summary>
/// <param name="Kind">
/// "restore": the backup <see cref="BackupId"/> into <see cref="DataDirectory"/>;
/// "reseed": a fresh copy of the primary at <see cref="FromHost"/>:<see cref="FromPort"/> (pg_basebackup) into
/// <see cref="DataDirectory"/>, set up as its standby;
/// "recover": the backup <see cref="BackupId"/> into <see cref="DataDirectory"/>, recovered to <see cref="Target"/>
/// (archived WAL replayed) and started on <see cref="Port"/>, then checked (pg_amcheck) and analyzed; without a
/// directory, one beside the node's own;
/// "swap-in": the directory the recover job <see cref="PreparedBy"/> proved replaces the node's own (kept aside);
/// "rebuild": the node's data replaced by a fresh standby copy of the primary at <see cref="FromHost"/>:<see cref="FromPort"/>;
/// "rewind": the node made a standby of that primary by pg_rewind (result <c>rewind: false</c> and the reason when it cannot);
/// "incremental-backup": the files of this node's cluster changed since the backup <see cref="ParentId"/>, stored as backup <see cref="BackupId"/>.
/// A directory to restore, reseed or recover into must be new or empty, never the node's own.
/// </param>
/// <param name="Sandbox">Recover only: a copy that is checked (pg_amcheck) and then discarded, as a drill's: no durability pass after the replay
/// and no ANALYZE (nothing of it is kept or queried for plans); swap-in refuses it.</param>
public sealed record AgentJobRequest(string Kind, string? BackupId = null, string? DataDirectory = null, string? FromHost = null, int? FromPort = null,
    string? Target = null, int? Port = null, string? PreparedBy = null, bool Sandbox = false, string? ParentId = null);

/// <summary>What a job check answers when the job could start: <c>POST /jobs/{id}/check</c>.</summary>
public sealed record AgentJobCheck(string Id, string Kind, bool Startable);

/// <param name="Progress">What the job has done so far, in words ("412 MB written, 1204 files").</param>
/// <param name="Result">The job's own result when it succeeded.</param>
public sealed record AgentJob(
    string Id,
    AgentJobRequest Request,
    AgentJobState State,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    string? Progress,
    JsonNode? Result,
    string? Error)
{
    /// <summary>The error of a job whose agent stopped while it ran; starting it again under its id resumes or redoes it.</summary>
    public const string InterruptedError = "interrupted: the agent stopped while the job ran";

    [System.Text.Json.Serialization.JsonIgnore]
    public bool Interrupted => State == AgentJobState.Failed && Error == InterruptedError;

    public const string RestoreKind = "restore";
    public const string ReseedKind = "reseed";
    public const string RecoverKind = "recover";
    public const string SwapInKind = "swap-in";
    public const string RebuildKind = "rebuild";
    public const string RewindKind = "rewind";
    public const string DiscardKind = "discard";
    public const string IncrementalBackupKind = "incremental-backup";

    public static readonly string[] Kinds = [RestoreKind, ReseedKind, RecoverKind, SwapInKind, RebuildKind, RewindKind, DiscardKind, IncrementalBackupKind];
}
