using System.Diagnostics;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Backups;

namespace CausalEval.Dr.Adapters.Postgres;

public sealed record VerifyOutcome(bool Valid, string Output);

/// <summary>
/// Restores a base backup into a scratch folder (checking the store's checksum on the way, see BaseBackupRestore) and runs
/// pg_verifybackup on it: every file against backup_manifest, and the WAL the backup needs.
/// </summary>
public static class BaseBackupVerifier
{
    public static async Task<VerifyOutcome> VerifyAsync(IObjectStore store, BackupManifest backup, string binDirectory,
        CancellationToken cancellationToken = default)
    {
        var scratch = Directory.CreateTempSubdirectory("dr-verify-").FullName;
        try
        {
            var data = Path.Combine(scratch, "data");
            await BaseBackupRestore.RestoreAsync(store, backup, data, owner: null, exact: true, cancellationToken: cancellationToken);

            var start = new ProcessStartInfo(Path.Combine(binDirectory, "pg_verifybackup")) { RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add(data);
            using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start pg_verifybackup");
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            return new VerifyOutcome(process.ExitCode == 0, ((await stdout) + (await stderr)).Trim());
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }
}
