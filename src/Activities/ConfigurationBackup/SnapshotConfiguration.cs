using System.Formats.Tar;
using System.Security.Cryptography;
using CausalEval.Dr.Activities.Storage;
using CausalEval.Dr.Core.Backups;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ZstdSharp;

namespace CausalEval.Dr.Activities.ConfigurationBackup;

public sealed record SnapshotConfigurationInput(string BackupId, DateTimeOffset TakenAtUtc);

public sealed record ConfigurationSnapshot(string BackupId, string StoreLocation, string ArchiveKey, string ManifestKey, long ArchiveSizeBytes, string ArchiveSha256, int FileCount, bool AlreadyExisted);

/// <summary>
/// Packs the configured files into one tar.zst, uploads it, re-reads it against its checksum, then writes
/// the manifest. Idempotent: a second run for a backup id that already has a manifest returns that backup.
/// </summary>
public sealed class SnapshotConfiguration(
    BackupCatalog catalog,
    IOptions<ConfigurationBackupOptions> options,
    ILogger<SnapshotConfiguration> logger) : TaskActivity<SnapshotConfigurationInput, ConfigurationSnapshot>
{
    public const string Kind = "configuration";

    public override async Task<ConfigurationSnapshot> RunAsync(TaskActivityContext context, SnapshotConfigurationInput input)
    {
        var manifestKey = BackupCatalog.ManifestKey(Kind, input.BackupId);
        if (await catalog.TryGetAsync(Kind, input.BackupId) is { } done)
        {
            logger.LogInformation("Configuration backup {BackupId} already complete; not taken again", input.BackupId);
            return new(done.BackupId, catalog.Store.Location, done.ArchiveKey, manifestKey, done.ArchiveSizeBytes, done.ArchiveSha256, done.Files.Count, AlreadyExisted: true);
        }

        // Resolve every path before touching storage: a missing file fails the backup with nothing uploaded.
        var files = ResolveFiles(options.Value);
        var archivePath = Path.GetTempFileName();
        try
        {
            var entries = await WriteArchiveAsync(files, archivePath);
            var archiveKey = BackupCatalog.Prefix(Kind, input.BackupId) + "archive.tar.zst";
            StoredObject stored;
            await using (var archive = File.OpenRead(archivePath))
            {
                stored = await catalog.Store.PutAsync(archiveKey, archive);
            }

            // Read back what storage holds before declaring the backup complete.
            await catalog.Store.ReadVerifiedAsync(archiveKey, Stream.Null);

            var manifest = new BackupManifest(input.BackupId, Kind, input.TakenAtUtc, archiveKey, stored.SizeBytes, stored.Sha256!, "zstd", entries);
            await catalog.WriteManifestAsync(manifest);
            logger.LogInformation("Configuration backup {BackupId}: {Count} files, {Size} bytes to {Location}", input.BackupId, entries.Count, stored.SizeBytes, catalog.Store.Location);
            return new(input.BackupId, catalog.Store.Location, archiveKey, manifestKey, stored.SizeBytes, stored.Sha256!, entries.Count, AlreadyExisted: false);
        }
        finally
        {
            File.Delete(archivePath);
        }
    }

    /// <summary>Maps archive entry names (relative, '/'-separated) to absolute paths.</summary>
    public static IReadOnlyList<(string EntryName, string FullPath)> ResolveFiles(ConfigurationBackupOptions options)
    {
        if (options.Paths.Count == 0)
        {
            throw new InvalidOperationException($"{ConfigurationBackupOptions.Section}:Paths is empty: nothing to back up");
        }

        var baseDir = Path.GetFullPath(options.BaseDirectory ?? Directory.GetCurrentDirectory());
        var files = new List<(string, string)>();
        var missing = new List<string>();
        foreach (var configured in options.Paths)
        {
            var full = Path.GetFullPath(configured, baseDir);
            if (File.Exists(full))
            {
                files.Add((EntryName(full, baseDir), full));
            }
            else if (Directory.Exists(full))
            {
                files.AddRange(Directory.EnumerateFiles(full, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Select(f => (EntryName(f, baseDir), f)));
            }
            else
            {
                missing.Add(full);
            }
        }

        if (missing.Count > 0)
        {
            throw new FileNotFoundException($"{ConfigurationBackupOptions.Section}:Paths names what does not exist: {string.Join(", ", missing)}");
        }

        return files.DistinctBy(f => f.Item1).ToList();
    }

    private static string EntryName(string fullPath, string baseDir)
    {
        var relative = Path.GetRelativePath(baseDir, fullPath);
        // Files outside the base directory keep their absolute path, without the leading '/'.
        return (relative.StartsWith("..", StringComparison.Ordinal) ? fullPath.TrimStart('/') : relative).Replace('\\', '/');
    }

    private static async Task<List<ManifestEntry>> WriteArchiveAsync(IReadOnlyList<(string EntryName, string FullPath)> files, string archivePath)
    {
        var entries = new List<ManifestEntry>();
        await using var output = File.Create(archivePath);
        await using var zstd = new CompressionStream(output, level: 3);
        await using var tar = new TarWriter(zstd, TarEntryFormat.Pax, leaveOpen: true);
        foreach (var (name, fullPath) in files)
        {
            // Hash the same bytes that go into the archive, so the manifest describes exactly what was stored.
            var bytes = await File.ReadAllBytesAsync(fullPath);
            entries.Add(new ManifestEntry(name, bytes.Length, Convert.ToHexStringLower(SHA256.HashData(bytes))));
            var entry = new PaxTarEntry(TarEntryType.RegularFile, name)
            {
                DataStream = new MemoryStream(bytes),
                ModificationTime = File.GetLastWriteTimeUtc(fullPath),
            };
            await tar.WriteEntryAsync(entry);
        }

        return entries;
    }
}
