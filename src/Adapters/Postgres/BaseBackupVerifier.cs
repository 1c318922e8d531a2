using System.Diagnostics;
using CausalEval.Dr.Adapters.Postgres.Incremental;
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
        if (backup.Database is { Incremental: true })
        {
            return await VerifyChainAsync(store, backup, cancellationToken);
        }

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

    /// <summary>
    /// An incremental: its whole chain present, every part of every member read back against its SHA-256 while the chain is restored
    /// into a scratch folder, every file the list names there, and each file an incremental stored matching the list's SHA-256
    /// (pg_verifybackup needs a manifest of the whole cluster, which a chain does not have).
    /// </summary>
    private static async Task<VerifyOutcome> VerifyChainAsync(IObjectStore store, BackupManifest backup, CancellationToken cancellationToken)
    {
        var chain = await DatabaseBackupChain.LoadAsync(new BackupCatalog(store), backup, cancellationToken);
        var scratch = Directory.CreateTempSubdirectory("dr-verify-").FullName;
        try
        {
            var data = Path.Combine(scratch, "data");
            var restored = await BaseBackupRestore.RestoreAsync(store, chain, data, owner: null, syncEachFile: false, cancellationToken: cancellationToken);
            var hashed = 0;
            foreach (var file in chain.Files!.Files.Where(f => f.Sha256 is not null))
            {
                var sha = await ChangedFiles.Sha256Async(Path.Combine(data, file.Path), cancellationToken);
                if (sha != file.Sha256)
                {
                    return new VerifyOutcome(false, $"{file.Path} (held by {file.StoredIn}) hashes to {sha}, its list says {file.Sha256}");
                }

                hashed++;
            }

            return new VerifyOutcome(true, $"chain of {chain.Backups.Count} ({string.Join(" → ", chain.Backups.Select(b => b.BackupId))}): " +
                $"{restored.Files} files restored from checked parts, {hashed} stored by incrementals match their SHA-256");
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }
}
