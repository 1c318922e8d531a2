using System.Text.RegularExpressions;

namespace CausalEval.Dr.Core.Requests;

/// <summary>
/// The ids every layer accepts, checked once where a request comes in. An instance id also names the agent jobs
/// its runbook starts (<c>{id}-swap-in</c>: the agent allows 120 characters) and the task hub's rows; a backup id
/// names a folder of the store, so it can never climb out of it.
/// </summary>
public static partial class DrIds
{
    public const int MaxInstanceIdLength = 100;

    public const string InstanceIdRule = "1 to 100 letters, digits, '.', '-' and '_', starting with a letter or digit";

    public const string BackupIdRule = "1 to 128 letters, digits, '.', '-' and '_', starting with a letter or digit, no '..'";

    /// <summary>Null when <paramref name="id"/> is a usable instance id, else what is wrong with it.</summary>
    public static string? InstanceIdProblem(string? id) =>
        id is not null && InstanceId().IsMatch(id) ? null : $"'{Shown(id)}' is not an instance id ({InstanceIdRule})";

    /// <summary>Null when <paramref name="id"/> is a usable backup id, else what is wrong with it.</summary>
    public static string? BackupIdProblem(string? id) =>
        id is not null && BackupId().IsMatch(id) && !id.Contains("..", StringComparison.Ordinal) ? null : $"'{Shown(id)}' is not a backup id ({BackupIdRule})";

    /// <summary>The id, or a bad-input error naming <paramref name="field"/>.</summary>
    public static string CheckedBackupId(string? id, string field = "backupId") =>
        BackupIdProblem(id) is { } problem ? throw new Errors.BadInputException($"{field}: {problem}") : id!;

    private static string Shown(string? id) => id is null ? "" : id.Length > 40 ? id[..40] + "…" : id;

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")]
    private static partial Regex InstanceId();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")]
    private static partial Regex BackupId();
}
