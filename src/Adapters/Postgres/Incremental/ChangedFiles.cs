using System.Security.Cryptography;
using CausalEval.Dr.Core.Backups;

namespace CausalEval.Dr.Adapters.Postgres.Incremental;

public enum FileVerdict { Changed, Unchanged, InDoubt }

/// <summary>
/// Which files an incremental stores, by pgBackRest's rule: a file is unchanged when its size and modification time are those
/// its parent recorded; one the parent recorded as modified about when it began reading (it may have read a half-written
/// file and the time alone cannot tell) is in doubt, and its bytes decide.
/// </summary>
public static class ChangedFiles
{
    /// <summary>Clocks and file-system stamps are coarse: a file stamped this close before the parent began counts as modified during it.</summary>
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(1);

    public static FileVerdict Judge(ScannedFile now, DatabaseFile? before, DatabaseFileList parent)
    {
        if (before is null || before.Size != now.Size)
        {
            return FileVerdict.Changed;
        }

        var modified = parent.SecondPrecision
            ? new DateTimeOffset(now.ModifiedUtc.UtcTicks - now.ModifiedUtc.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero)
            : now.ModifiedUtc;
        if (modified != before.ModifiedUtc)
        {
            return FileVerdict.Changed;
        }

        return before.ModifiedUtc >= parent.StartedAtUtc - Slack ? FileVerdict.InDoubt : FileVerdict.Unchanged;
    }

    /// <summary>For a file in doubt: unchanged only when its bytes are the ones the chain holds (a parent without their SHA-256 cannot say).</summary>
    public static async Task<bool> SameBytesAsync(string path, DatabaseFile before, CancellationToken cancellationToken)
    {
        if (before.Sha256 is null)
        {
            return false;
        }

        return await Sha256Async(path, cancellationToken) == before.Sha256;
    }

    /// <summary>The SHA-256 of a file's bytes as the file lists write it (lower-case hex): what incrementals, delta restores and verifies compare.</summary>
    public static async Task<string> Sha256Async(string path, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16, useAsync: true);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(file, cancellationToken));
    }
}
