using System.Diagnostics;
using System.Formats.Tar;
using CausalEval.Dr.Activities.Storage;
using ZstdSharp;

namespace CausalEval.Dr.Activities.Postgres;

public sealed record VerifyOutcome(bool Valid, string Output);

/// <summary>
/// Restores a base backup into a scratch folder (checking the store's checksum on the way) and runs
/// pg_verifybackup on it: every file against backup_manifest, and the WAL the backup needs.
/// </summary>
public static class BaseBackupVerifier
{
    public static async Task<VerifyOutcome> VerifyAsync(IObjectStore store, string archiveKey, string binDirectory, CancellationToken cancellationToken = default)
    {
        var scratch = Directory.CreateTempSubdirectory("dr-verify-").FullName;
        try
        {
            var tarPath = Path.Combine(scratch, "base.tar.zst");
            await using (var file = File.Create(tarPath))
            {
                await store.ReadVerifiedAsync(archiveKey, file, cancellationToken);
            }

            var data = Path.Combine(scratch, "data");
            await ExtractAsync(tarPath, data, cancellationToken);
            File.Delete(tarPath);

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

    /// <summary>Unpacks the tar.zst, refusing entries that would land outside <paramref name="destination"/>.</summary>
    public static async Task ExtractAsync(string tarZst, string destination, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(destination);
        var root = Path.GetFullPath(destination) + Path.DirectorySeparatorChar;
        await using var file = File.OpenRead(tarZst);
        await using var zstd = new DecompressionStream(file);
        await using var tar = new TarReader(zstd);
        while (await tar.GetNextEntryAsync(cancellationToken: cancellationToken) is { } entry)
        {
            var target = Path.GetFullPath(Path.Combine(destination, entry.Name));
            if (!target.StartsWith(root, StringComparison.Ordinal) && target != root.TrimEnd(Path.DirectorySeparatorChar))
            {
                throw new InvalidDataException($"archive entry '{entry.Name}' points outside the restore folder");
            }

            switch (entry.EntryType)
            {
                case TarEntryType.Directory:
                    Directory.CreateDirectory(target);
                    break;
                case TarEntryType.RegularFile or TarEntryType.V7RegularFile:
                    Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                    await entry.ExtractToFileAsync(target, overwrite: true, cancellationToken);
                    break;
                default:
                    break; // symlinks (tablespaces) are not used by the clusters we back up
            }
        }
    }
}
