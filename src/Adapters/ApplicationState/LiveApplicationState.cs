using StackExchange.Redis;

namespace CausalEval.Dr.Adapters.ApplicationState;

/// <summary>What a restore changed: sessions written, those left out because they expired since the backup, stray cache files removed.</summary>
public sealed record LiveStateWritten(int Sessions, int ExpiredSessions, int QueueLength, int ModelCacheFiles, int StrayFilesRemoved);

/// <summary>
/// The workload's live application state: sessions and the evaluation queue in Redis, the model cache in a
/// folder. Written back so it equals a backup exactly: sessions not in the backup are deleted, each restored
/// session gets back the expiry it had (an absolute time: a session does not live longer for having been
/// restored; one already past it is not restored), the queue is replaced in order, and cache files the
/// backup does not have are removed.
/// </summary>
public static class LiveApplicationState
{
    private const string Restoring = ".restoring";

    public static async Task<ApplicationStateContent> ReadAsync(ApplicationStateOptions options)
    {
        options.EnsureValid();
        await using var redis = await ConnectAsync(options);
        var db = redis.GetDatabase();
        var server = redis.GetServers().First(s => !s.IsReplica);
        var content = ApplicationStateContent.Empty();
        await foreach (var key in server.KeysAsync(pattern: options.SessionPattern))
        {
            var fields = await db.HashGetAllAsync(key);
            content.Sessions[key!] = new SortedDictionary<string,
                string>(fields.ToDictionary(f => f.Name.ToString(), f => f.Value.ToString()), StringComparer.Ordinal);
            if ((long)await db.ExecuteAsync("PEXPIRETIME", key) is > 0 and var expiresAt)
            {
                content.SessionExpiresAtMs[key!] = expiresAt;
            }
        }

        content.Queue.AddRange((await db.ListRangeAsync(options.QueueKey)).Select(v => v.ToString()));
        if (Directory.Exists(options.ModelCacheDirectory))
        {
            foreach (var file in Directory.EnumerateFiles(options.ModelCacheDirectory, "*", SearchOption.AllDirectories))
            {
                if (file.EndsWith(Restoring, StringComparison.Ordinal))
                {
                    continue; // a restore's unfinished file, not the cache's
                }

                content.ModelCache[Path.GetRelativePath(options.ModelCacheDirectory, file).Replace('\\', '/')] = await File.ReadAllBytesAsync(file);
            }
        }

        return content;
    }

    public static async Task<LiveStateWritten> WriteAsync(ApplicationStateOptions options, ApplicationStateContent content)
    {
        options.EnsureValid();
        await using var redis = await ConnectAsync(options);
        var db = redis.GetDatabase();
        var server = redis.GetServers().First(s => !s.IsReplica);
        await foreach (var key in server.KeysAsync(pattern: options.SessionPattern))
        {
            if (!content.Sessions.ContainsKey(key!))
            {
                await db.KeyDeleteAsync(key);
            }
        }

        var now = (long)(await server.TimeAsync() - DateTime.UnixEpoch).TotalMilliseconds;
        int written = 0, expired = 0;
        foreach (var (key, fields) in content.Sessions)
        {
            var transaction = db.CreateTransaction();
            _ = transaction.KeyDeleteAsync(key);
            if (content.SessionExpiresAtMs.TryGetValue(key, out var expiresAt) && expiresAt <= now)
            {
                expired++;
            }
            else
            {
                _ = transaction.HashSetAsync(key, fields.Select(f => new HashEntry(f.Key, f.Value)).ToArray());
                if (expiresAt > 0)
                {
                    _ = transaction.ExecuteAsync("PEXPIREAT", key, expiresAt);
                }

                written++;
            }

            await transaction.ExecuteAsync();
        }

        var queue = db.CreateTransaction();
        _ = queue.KeyDeleteAsync(options.QueueKey);
        if (content.Queue.Count > 0)
        {
            _ = queue.ListRightPushAsync(options.QueueKey, content.Queue.Select(v => (RedisValue)v).ToArray());
        }

        await queue.ExecuteAsync();
        var strays = await WriteModelCacheAsync(options.ModelCacheDirectory, content.ModelCache);
        return new(written, expired, content.Queue.Count, content.ModelCache.Count, strays);
    }

    /// <summary>Each file replaced by a rename (a reader sees the old or the new one), then what the backup lacks is removed.</summary>
    private static async Task<int> WriteModelCacheAsync(string directory, SortedDictionary<string, byte[]> files)
    {
        var root = Path.GetFullPath(directory);
        var wanted = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (name, bytes) in files)
        {
            var path = Path.GetFullPath(Path.Combine(root, name));
            wanted[path] = path.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal)
                ? bytes
                : throw new InvalidDataException($"model-cache entry '{name}' points outside {directory}");
        }

        foreach (var (path, bytes) in wanted)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllBytesAsync(path + Restoring, bytes);
            File.Move(path + Restoring, path, overwrite: true);
        }

        if (!Directory.Exists(root))
        {
            Directory.CreateDirectory(root);
            return 0;
        }

        var removed = 0;
        foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).ToList())
        {
            if (!wanted.ContainsKey(file))
            {
                File.Delete(file);
                removed++;
            }
        }

        // Folders the backup has no file in (deepest first), so the tree is the backup's.
        var keep = wanted.Keys.SelectMany(AncestorsUnder).ToHashSet(StringComparer.Ordinal);
        foreach (var folder in Directory.EnumerateDirectories(root, "*", SearchOption.AllDirectories).OrderByDescending(d => d.Length).ToList())
        {
            if (!keep.Contains(folder))
            {
                Directory.Delete(folder, recursive: false);
            }
        }

        return removed;

        IEnumerable<string> AncestorsUnder(string file)
        {
            for (var dir = Path.GetDirectoryName(file); dir is not null && dir.Length > root.Length; dir = Path.GetDirectoryName(dir))
            {
                yield return dir;
            }
        }
    }

    private static Task<ConnectionMultiplexer> ConnectAsync(ApplicationStateOptions options) =>
        ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions { EndPoints = { options.Redis }, AllowAdmin = true, ConnectTimeout = 3000,
            AbortOnConnectFail = true });
}
