namespace CausalEval.Dr.Adapters.Storage;

/// <summary>
/// A directory as an object store (a mounted volume, or the fast near copy beside a far one). Objects are
/// written to a temporary file and renamed into place; each one's SHA-256 lives in a parallel tree under
/// <c>.sha256/</c>, written after the object, so an object without one never reads as good.
/// </summary>
public sealed class LocalDirectoryObjectStore(string root) : IObjectStore
{
    private const string ChecksumFolder = ".sha256";
    private readonly string root = Path.GetFullPath(root);

    public string Location => $"file://{root}";

    public async Task<StoredObject> PutAsync(string key, Stream content, CancellationToken cancellationToken = default)
    {
        var path = PathOf(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = $"{path}.{Guid.NewGuid():N}.partial";
        using var hashing = new HashingStream(content);
        try
        {
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                await hashing.CopyToAsync(file, cancellationToken);
                await file.FlushAsync(cancellationToken);
                file.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }

        var sha = hashing.Sha256Hex();
        var shaPath = ShaPathOf(key);
        Directory.CreateDirectory(Path.GetDirectoryName(shaPath)!);
        await File.WriteAllTextAsync(shaPath + ".partial", sha, cancellationToken);
        File.Move(shaPath + ".partial", shaPath, overwrite: true);
        return new StoredObject(key, hashing.BytesRead, sha, File.GetLastWriteTimeUtc(path));
    }

    public Task<StoredObject?> GetInfoAsync(string key, CancellationToken cancellationToken = default)
    {
        var file = new FileInfo(PathOf(key));
        return Task.FromResult(file.Exists ? new StoredObject(key, file.Length, ReadSha(key), file.LastWriteTimeUtc) : null);
    }

    public async Task ReadVerifiedAsync(string key, Stream destination, CancellationToken cancellationToken = default)
    {
        var path = PathOf(key);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"object '{key}' does not exist in {Location}");
        }

        await using var file = File.OpenRead(path);
        await VerifiedCopy.CopyAsync(key, file, destination, ReadSha(key), cancellationToken);
    }

    public Task<IReadOnlyList<StoredObject>> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        if (!Directory.Exists(root))
        {
            return Task.FromResult<IReadOnlyList<StoredObject>>([]);
        }

        var result = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))
            .Where(k => !k.StartsWith(ChecksumFolder + "/", StringComparison.Ordinal) && !k.EndsWith(".partial", StringComparison.Ordinal))
            .Where(k => k.StartsWith(prefix, StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(k => new StoredObject(k, new FileInfo(PathOf(k)).Length, ReadSha(k), File.GetLastWriteTimeUtc(PathOf(k))))
            .ToList();
        return Task.FromResult<IReadOnlyList<StoredObject>>(result);
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        // Checksum first: an object whose deletion stopped half-way reads as incomplete, never as good.
        DeleteIfPresent(ShaPathOf(key));
        DeleteIfPresent(PathOf(key));
        return Task.CompletedTask;
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

    private string? ReadSha(string key) => File.Exists(ShaPathOf(key)) ? File.ReadAllText(ShaPathOf(key)).Trim() : null;

    private string ShaPathOf(string key) => Path.Combine(root, ChecksumFolder, Checked(key));

    private string PathOf(string key) => Path.Combine(root, Checked(key));

    /// <summary>Keys are relative paths that stay inside the root.</summary>
    private string Checked(string key)
    {
        var full = Path.GetFullPath(Path.Combine(root, key));
        if (string.IsNullOrWhiteSpace(key) || !full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal)
            || key.StartsWith(ChecksumFolder, StringComparison.Ordinal))
        {
            throw new ArgumentException($"object key '{key}' is not a relative path inside the store");
        }

        return key;
    }
}
