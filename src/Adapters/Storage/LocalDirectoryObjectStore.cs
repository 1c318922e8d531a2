using CausalEval.Dr.Adapters.Files;

namespace CausalEval.Dr.Adapters.Storage;

/// <summary>
/// A directory as an object store (a mounted volume, or the fast near copy beside a far one). An object's
/// bytes live under <c>.data/</c> in a file named after its SHA-256 (<c>{key}.{sha}.{unique}</c>), and the
/// object's path is a symbolic link to it, swapped by one rename: a reader sees the old bytes and checksum
/// or the new ones, never a mix. Stores written before this layout (a plain file with its checksum in the
/// parallel <c>.sha256/</c> tree) stay readable. Objects (full database backups among them) are created readable
/// by their owner alone, in the call that creates them (<see cref="OwnerOnly"/>).
/// </summary>
public sealed class LocalDirectoryObjectStore(string root) : IObjectStore
{
    private const string DataFolder = ".data";
    private const string LegacyChecksumFolder = ".sha256";
    private const string PartialSuffix = ".partial";
    private readonly string root = Path.GetFullPath(root);

    public string Location => $"file://{root}";

    public async Task<StoredObject> PutAsync(string key, Stream content, CancellationToken cancellationToken = default)
    {
        var path = PathOf(key);
        var unique = Guid.NewGuid().ToString("N");
        var data = DataPathOf(key);
        OwnerOnly.CreateDirectory(Path.GetDirectoryName(path)!);
        OwnerOnly.CreateDirectory(Path.GetDirectoryName(data)!);
        var temp = $"{data}.{unique}{PartialSuffix}";
        var link = $"{path}.{unique}.link{PartialSuffix}";
        using var hashing = new HashingStream(content);
        try
        {
            await using (var file = OwnerOnly.CreateFile(temp, FileOptions.Asynchronous))
            {
                await hashing.CopyToAsync(file, cancellationToken);
                await file.FlushAsync(cancellationToken);
                file.Flush(flushToDisk: true);
            }

            var sha = hashing.Sha256Hex();
            var target = $"{data}.{sha}.{unique}";
            File.Move(temp, target);
            var replaced = TargetOf(path);
            File.CreateSymbolicLink(link, Path.GetRelativePath(Path.GetDirectoryName(path)!, target));
            File.Move(link, path, overwrite: true); // the switch: one rename
            if (replaced is not null)
            {
                File.Delete(replaced); // a reader that opened it keeps its bytes; one that had not retries
            }

            DeleteIfPresent(LegacyShaPathOf(key));
            return new StoredObject(key, hashing.BytesRead, sha, File.GetLastWriteTimeUtc(target));
        }
        finally
        {
            File.Delete(temp);
            File.Delete(link);
        }
    }

    public Task<StoredObject?> GetInfoAsync(string key, CancellationToken cancellationToken = default) => Task.FromResult(InfoOf(key));

    public async Task ReadVerifiedAsync(string key, Stream destination, string? expectedSha256, CancellationToken cancellationToken = default)
    {
        var path = PathOf(key);
        for (var attempt = 1; ; attempt++)
        {
            var target = TargetOf(path);
            FileStream file;
            try
            {
                file = File.OpenRead(target ?? path);
            }
            catch (FileNotFoundException) when (target is not null && attempt < 5)
            {
                continue; // rewritten between reading the link and opening its target: read the new one
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                throw new FileNotFoundException($"object '{key}' does not exist in {Location}", e);
            }

            await using (file)
            {
                await VerifiedCopy.CopyAsync(key, file, destination, target is null ? ReadLegacySha(key) : ShaOfTarget(target), expectedSha256,
                    cancellationToken);
                return;
            }
        }
    }

    public Task<IReadOnlyList<StoredObject>> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        var result = Keys()
            .Where(k => k.StartsWith(prefix, StringComparison.Ordinal) && !k.EndsWith(PartialSuffix, StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(InfoOf)
            .OfType<StoredObject>()
            .ToList();
        return Task.FromResult<IReadOnlyList<StoredObject>>(result);
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        // The link (or the legacy checksum) first: an object whose deletion stopped half-way is gone or
        // reads as incomplete, never as good.
        var path = PathOf(key);
        var target = TargetOf(path);
        DeleteIfPresent(LegacyShaPathOf(key));
        DeleteIfPresent(path);
        if (target is not null)
        {
            DeleteIfPresent(target);
        }

        return Task.CompletedTask;
    }

    /// <summary>Temporary files of writes that never finished, and data files no link points to (a write killed before its switch).</summary>
    public Task<IReadOnlyList<UnfinishedUpload>> ListUnfinishedAsync(string prefix, CancellationToken cancellationToken = default)
    {
        var result = new List<UnfinishedUpload>();
        foreach (var key in Keys().Where(k => k.EndsWith(PartialSuffix, StringComparison.Ordinal) && k.StartsWith(prefix, StringComparison.Ordinal)))
        {
            result.Add(Unfinished(OwnerOfTemporary(key), Path.Combine(root, key)));
        }

        var dataRoot = Path.Combine(root, DataFolder);
        if (Directory.Exists(dataRoot))
        {
            foreach (var file in Directory.EnumerateFiles(dataRoot, "*", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(dataRoot, file).Replace('\\', '/');
                var key = relative.EndsWith(PartialSuffix, StringComparison.Ordinal) ? OwnerOfTemporary(relative) : OwnerOfData(relative);
                if (key is not null && key.StartsWith(prefix, StringComparison.Ordinal)
                    && (relative.EndsWith(PartialSuffix, StringComparison.Ordinal) || TargetOf(PathOf(key)) != file))
                {
                    result.Add(Unfinished(key, file));
                }
            }
        }

        return Task.FromResult<IReadOnlyList<UnfinishedUpload>>(result);
    }

    public Task RemoveUnfinishedAsync(UnfinishedUpload upload, CancellationToken cancellationToken = default)
    {
        // Never a live object: only temporaries, and data files no link points to (checked again now).
        var path = Path.GetFullPath(upload.Handle);
        var dataRoot = Path.Combine(root, DataFolder) + Path.DirectorySeparatorChar;
        var unreferenced = path.StartsWith(dataRoot, StringComparison.Ordinal)
            && OwnerOfData(path[dataRoot.Length..].Replace('\\', '/')) is { } key && TargetOf(PathOf(key)) != path;
        if (path.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal)
            && (path.EndsWith(PartialSuffix, StringComparison.Ordinal) || unreferenced))
        {
            DeleteIfPresent(path);
        }

        return Task.CompletedTask;
    }

    private StoredObject? InfoOf(string key)
    {
        var path = PathOf(key);
        var target = TargetOf(path);
        var file = new FileInfo(target ?? path);
        return file.Exists
            ? new StoredObject(key, file.Length, target is null ? ReadLegacySha(key) : ShaOfTarget(target), file.LastWriteTimeUtc)
            : null;
    }

    private UnfinishedUpload Unfinished(string? key, string file)
    {
        var info = new FileInfo(file);
        return new UnfinishedUpload(key ?? Path.GetRelativePath(root, file), file, info.Exists ? info.Length : 0, info.Exists ? info.LastWriteTimeUtc
            : DateTimeOffset.MinValue);
    }

    /// <summary>Every key-like path under the root (objects and temporaries), outside the data and legacy checksum trees.</summary>
    private IEnumerable<string> Keys() => Directory.Exists(root)
        ? Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))
            .Where(k => !k.StartsWith(DataFolder + "/", StringComparison.Ordinal) && !k.StartsWith(LegacyChecksumFolder + "/", StringComparison.Ordinal))
        : [];

    /// <summary>The full path of the data file a link points to; null for a legacy plain file or a missing key.</summary>
    private static string? TargetOf(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget is { } target ? Path.GetFullPath(target, Path.GetDirectoryName(path)!) : null;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary><c>{key}.{sha}.{unique}</c> → the SHA-256.</summary>
    private static string ShaOfTarget(string target)
    {
        var parts = Path.GetFileName(target).Split('.');
        return parts.Length >= 3 ? parts[^2] : "";
    }

    private static string? OwnerOfData(string relative)
    {
        var parts = relative.Split('.');
        return parts.Length >= 3 && parts[^2].Length == 64 && parts[^1].Length == 32 ? string.Join('.', parts[..^2]) : null;
    }

    /// <summary><c>{key}.{unique}.partial</c> or <c>{key}.{unique}.link.partial</c> → the key.</summary>
    private static string? OwnerOfTemporary(string relative)
    {
        var parts = relative[..^PartialSuffix.Length].Split('.');
        var drop = parts[^1] == "link" ? 2 : 1;
        return parts.Length > drop ? string.Join('.', parts[..^drop]) : null;
    }

    private static void DeleteIfPresent(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (DirectoryNotFoundException)
        {
            // File.Delete ignores a missing file but not a missing folder: both mean "already gone".
        }
    }

    private string? ReadLegacySha(string key) => File.Exists(LegacyShaPathOf(key)) ? File.ReadAllText(LegacyShaPathOf(key)).Trim() : null;

    private string LegacyShaPathOf(string key) => Path.Combine(root, LegacyChecksumFolder, Checked(key));

    private string DataPathOf(string key) => Path.Combine(root, DataFolder, Checked(key));

    private string PathOf(string key) => Path.Combine(root, Checked(key));

    /// <summary>Keys are relative paths that stay inside the root.</summary>
    private string Checked(string key)
    {
        var full = Path.GetFullPath(Path.Combine(root, key));
        if (string.IsNullOrWhiteSpace(key) || !full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal)
            || key.StartsWith(LegacyChecksumFolder, StringComparison.Ordinal) || key.StartsWith(DataFolder, StringComparison.Ordinal))
        {
            throw new ArgumentException($"object key '{key}' is not a relative path inside the store");
        }

        return key;
    }
}
