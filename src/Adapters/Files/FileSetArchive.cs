using CausalEval.Dr.Core.Errors;
using System.Formats.Tar;
using System.Security.Cryptography;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Backups;
using Microsoft.Extensions.FileSystemGlobbing;
using ZstdSharp;

namespace CausalEval.Dr.Adapters.Files;

/// <summary>Files to back up (sections "ConfigurationBackup", "MetricsBackup", "LogsBackup").</summary>
public sealed class FileSetOptions
{
    /// <summary>Files, directories (taken recursively) or glob patterns (e.g. <c>.dr/lab/**/*.log</c>), relative to <see cref="BaseDirectory"/>.</summary>
    public List<string> Paths { get; set; } = [];

    /// <summary>Defaults to the process's working directory.</summary>
    public string? BaseDirectory { get; set; }
}

/// <summary>
/// A set of files as one tar.zst with a per-file SHA-256 list: resolved before anything is uploaded (a named
/// file that is missing fails the backup with nothing stored; a pattern may match nothing), uploaded
/// (the store checks the transfer), then described by the manifest, written last.
/// </summary>
public static class FileSetArchive
{
    public static async Task<BackupManifest> TakeAsync(BackupCatalog catalog, BackupKind kind, string backupId, DateTimeOffset takenAtUtc,
        IReadOnlyList<(string EntryName, string FullPath)> files, CancellationToken cancellationToken = default)
    {
        var archivePath = Path.GetTempFileName();
        try
        {
            var entries = await WriteArchiveAsync(files, archivePath, cancellationToken);
            var archiveKey = BackupCatalog.Prefix(kind, backupId) + "archive.tar.zst";
            StoredObject stored;
            await using (var archive = File.OpenRead(archivePath))
            {
                stored = await catalog.Store.PutAsync(archiveKey, archive, cancellationToken);
            }

            var manifest = new BackupManifest(backupId, kind, takenAtUtc, archiveKey, stored.SizeBytes, stored.Sha256!, "zstd", entries);
            await catalog.WriteManifestAsync(manifest, cancellationToken);
            return manifest;
        }
        finally
        {
            File.Delete(archivePath);
        }
    }

    /// <summary>
    /// Re-hashes every file inside a stored tar.zst archive (file sets and application state) against its
    /// manifest's list; returns what was checked, throws naming the first file that is not as listed.
    /// </summary>
    public static async Task<string> VerifyFilesAsync(IObjectStore store, BackupManifest manifest, CancellationToken cancellationToken = default) =>
        $"{(await ReadCheckedFilesAsync(store, manifest, cancellationToken)).Count} files match the manifest";

    /// <summary>Every file of a stored tar.zst archive, each checked against the manifest's list; throws naming the first that is not as listed, or how many
    /// are missing.</summary>
    private static async Task<List<(string Name, byte[] Bytes, DateTime Modified)>> ReadCheckedFilesAsync(IObjectStore store, BackupManifest manifest,
        CancellationToken cancellationToken)
    {
        using var archive = new MemoryStream();
        await store.ReadVerifiedAsync(manifest.ArchiveKey, archive, cancellationToken);
        archive.Position = 0;
        var expected = manifest.Files.ToDictionary(f => f.Path, f => f.Sha256);
        var files = new List<(string, byte[], DateTime)>();
        await using var zstd = new DecompressionStream(archive);
        await using var tar = new TarReader(zstd);
        while (await tar.GetNextEntryAsync(cancellationToken: cancellationToken) is { } entry)
        {
            using var buffer = new MemoryStream();
            if (entry.DataStream is not null)
            {
                await entry.DataStream.CopyToAsync(buffer, cancellationToken);
            }

            var bytes = buffer.ToArray();
            if (!expected.Remove(entry.Name, out var listed) || listed != Convert.ToHexStringLower(SHA256.HashData(bytes)))
            {
                throw new CorruptDataException($"{entry.Name}: not as the manifest lists it");
            }

            files.Add((entry.Name, bytes, entry.ModificationTime.UtcDateTime));
        }

        return expected.Count == 0
            ? files
            : throw new CorruptDataException($"{expected.Count} files of the manifest are missing from the archive (first: {expected.Keys.First()})");
    }

    /// <summary>Maps archive entry names (relative, '/'-separated) to absolute paths.</summary>
    public static IReadOnlyList<(string EntryName, string FullPath)> ResolveFiles(string section, FileSetOptions options)
    {
        if (options.Paths.Count == 0)
        {
            throw new DrConfigurationException($"{section}:Paths is empty: nothing to back up");
        }

        var baseDir = Path.GetFullPath(options.BaseDirectory ?? Directory.GetCurrentDirectory());
        var files = new List<(string, string)>();
        var missing = new List<string>();
        foreach (var configured in options.Paths)
        {
            if (configured.IndexOfAny(['*', '?']) >= 0)
            {
                var matcher = new Matcher(StringComparison.Ordinal);
                matcher.AddInclude(configured);
                files.AddRange(matcher.GetResultsInFullPath(baseDir).Order(StringComparer.Ordinal).Select(f => (EntryName(f, baseDir), f)));
                continue;
            }

            var full = Path.GetFullPath(configured, baseDir);
            if (File.Exists(full))
            {
                files.Add((EntryName(full, baseDir), full));
            }
            else if (Directory.Exists(full))
            {
                files.AddRange(Directory.EnumerateFiles(full, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Select(f
                    => (EntryName(f, baseDir), f)));
            }
            else
            {
                missing.Add(full);
            }
        }

        if (missing.Count > 0)
        {
            throw new FileNotFoundException($"{section}:Paths names what does not exist: {string.Join(", ", missing)}");
        }

        return files.DistinctBy(f => f.Item1).ToList();
    }

    /// <summary>Entries for files outside the base directory: their absolute path under this prefix (tar names are relative).</summary>
    public const string OutsideBasePrefix = "@root/";

    private static string EntryName(string fullPath, string baseDir)
    {
        var relative = Path.GetRelativePath(baseDir, fullPath);
        return (relative.StartsWith("..", StringComparison.Ordinal) ? OutsideBasePrefix + fullPath.TrimStart('/') : relative).Replace('\\', '/');
    }

    /// <summary>
    /// Where an entry goes back to: under the base directory, or its absolute path for <see cref="OutsideBasePrefix"/>
    /// entries. (Backups taken before the prefix existed stored such files without it: they land under the base.)
    /// </summary>
    public static string PathOf(string entryName, string baseDirectory)
    {
        var baseDir = Path.GetFullPath(baseDirectory);
        var path = entryName.StartsWith(OutsideBasePrefix, StringComparison.Ordinal)
            ? Path.GetFullPath("/" + entryName[OutsideBasePrefix.Length..])
            : Path.GetFullPath(Path.Combine(baseDir, entryName));
        return entryName.Split('/').Contains("..") ? throw new CorruptDataException($"archive entry '{entryName}' climbs out of its folder") : path;
    }

    /// <summary>
    /// Puts every file of a file-set backup back where it was taken from (see <see cref="PathOf"/>): all entries
    /// are read and checked against the manifest first, then each file is replaced by a rename. Files the backup
    /// does not name are left alone (a file set names files, not a whole tree). Returns the paths written.
    /// </summary>
    public static async Task<IReadOnlyList<string>> RestoreAsync(IObjectStore store, BackupManifest manifest, string baseDirectory,
        CancellationToken cancellationToken = default)
    {
        var files = (await ReadCheckedFilesAsync(store, manifest, cancellationToken))
            .Select(f => (Path: PathOf(f.Name, baseDirectory), f.Bytes, f.Modified)).ToList();
        foreach (var (path, bytes, modified) in files)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var temporary = path + ".restoring";
            await File.WriteAllBytesAsync(temporary, bytes, cancellationToken);
            File.SetLastWriteTimeUtc(temporary, modified);
            File.Move(temporary, path, overwrite: true);
        }

        return files.Select(f => f.Path).ToList();
    }

    private static async Task<List<ManifestEntry>> WriteArchiveAsync(IReadOnlyList<(string EntryName, string FullPath)> files, string archivePath,
        CancellationToken cancellationToken)
    {
        var entries = new List<ManifestEntry>();
        await using var output = File.Create(archivePath);
        await using var zstd = new CompressionStream(output, level: 3);
        await using var tar = new TarWriter(zstd, TarEntryFormat.Pax, leaveOpen: true);
        foreach (var (name, fullPath) in files)
        {
            // Hash the same bytes that go into the archive, so the manifest describes exactly what was stored.
            var bytes = await File.ReadAllBytesAsync(fullPath, cancellationToken);
            entries.Add(new ManifestEntry(name, bytes.Length, Convert.ToHexStringLower(SHA256.HashData(bytes))));
            var entry = new PaxTarEntry(TarEntryType.RegularFile, name)
            {
                DataStream = new MemoryStream(bytes),
                ModificationTime = File.GetLastWriteTimeUtc(fullPath),
            };
            await tar.WriteEntryAsync(entry, cancellationToken);
        }

        return entries;
    }
}
