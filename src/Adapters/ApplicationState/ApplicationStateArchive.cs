using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text.Json;
using CausalEval.Dr.Core;
using CausalEval.Dr.Core.Backups;
using StackExchange.Redis;
using ZstdSharp;

namespace CausalEval.Dr.Adapters.ApplicationState;

/// <summary>The state itself: user sessions (hashes), the evaluation queue (a list, in order), the model cache (files).</summary>
public sealed record ApplicationStateContent(
    SortedDictionary<string, SortedDictionary<string, string>> Sessions,
    List<string> Queue,
    SortedDictionary<string, byte[]> ModelCache);

/// <summary>
/// Reads the application state from Redis and the model-cache folder into one tar.zst (redis/sessions.json,
/// redis/queue.json, model-cache/...), and writes it back so the live state equals the backup.
/// </summary>
public static class ApplicationStateArchive
{
    public static async Task<ApplicationStateContent> ReadLiveAsync(ApplicationStateOptions options)
    {
        options.EnsureValid();
        await using var redis = await ConnectAsync(options);
        var db = redis.GetDatabase();
        var server = redis.GetServers().First(s => !s.IsReplica);
        var sessions = new SortedDictionary<string, SortedDictionary<string, string>>(StringComparer.Ordinal);
        await foreach (var key in server.KeysAsync(pattern: options.SessionPattern))
        {
            var fields = await db.HashGetAllAsync(key);
            sessions[key!] = new SortedDictionary<string, string>(fields.ToDictionary(f => f.Name.ToString(), f => f.Value.ToString()), StringComparer.Ordinal);
        }

        var queue = (await db.ListRangeAsync(options.QueueKey)).Select(v => v.ToString()).ToList();
        var cache = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        if (Directory.Exists(options.ModelCacheDirectory))
        {
            foreach (var file in Directory.EnumerateFiles(options.ModelCacheDirectory, "*", SearchOption.AllDirectories))
            {
                cache[Path.GetRelativePath(options.ModelCacheDirectory, file).Replace('\\', '/')] = await File.ReadAllBytesAsync(file);
            }
        }

        return new ApplicationStateContent(sessions, queue, cache);
    }

    /// <summary>Replaces the live state with <paramref name="content"/>: sessions and queue exactly, cache files written over.</summary>
    public static async Task WriteLiveAsync(ApplicationStateOptions options, ApplicationStateContent content)
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

        foreach (var (key, fields) in content.Sessions)
        {
            var transaction = db.CreateTransaction();
            _ = transaction.KeyDeleteAsync(key);
            _ = transaction.HashSetAsync(key, fields.Select(f => new HashEntry(f.Key, f.Value)).ToArray());
            await transaction.ExecuteAsync();
        }

        var queue = db.CreateTransaction();
        _ = queue.KeyDeleteAsync(options.QueueKey);
        if (content.Queue.Count > 0)
        {
            _ = queue.ListRightPushAsync(options.QueueKey, content.Queue.Select(v => (RedisValue)v).ToArray());
        }

        await queue.ExecuteAsync();

        foreach (var (name, bytes) in content.ModelCache)
        {
            var path = Path.GetFullPath(Path.Combine(options.ModelCacheDirectory, name));
            if (!path.StartsWith(Path.GetFullPath(options.ModelCacheDirectory) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                throw new InvalidDataException($"model-cache entry '{name}' points outside {options.ModelCacheDirectory}");
            }

            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllBytesAsync(path + ".restoring", bytes);
            File.Move(path + ".restoring", path, overwrite: true);
        }
    }

    /// <summary>Packs the content; returns the manifest entries (path, size, SHA-256) of what went in.</summary>
    public static async Task<List<ManifestEntry>> PackAsync(ApplicationStateContent content, Stream destination)
    {
        var entries = new List<ManifestEntry>();
        await using var zstd = new CompressionStream(destination, level: 3, leaveOpen: true);
        await using var tar = new TarWriter(zstd, TarEntryFormat.Pax, leaveOpen: true);
        async Task AddAsync(string name, byte[] bytes)
        {
            entries.Add(new ManifestEntry(name, bytes.Length, Convert.ToHexStringLower(SHA256.HashData(bytes))));
            await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(bytes) });
        }

        await AddAsync("redis/sessions.json", JsonSerializer.SerializeToUtf8Bytes(content.Sessions, DrJson.Options));
        await AddAsync("redis/queue.json", JsonSerializer.SerializeToUtf8Bytes(content.Queue, DrJson.Options));
        foreach (var (name, bytes) in content.ModelCache)
        {
            await AddAsync("model-cache/" + name, bytes);
        }

        return entries;
    }

    public static async Task<ApplicationStateContent> UnpackAsync(Stream source, IReadOnlyList<ManifestEntry> expected)
    {
        var listed = expected.ToDictionary(e => e.Path, e => e.Sha256);
        var content = new ApplicationStateContent(new(StringComparer.Ordinal), [], new(StringComparer.Ordinal));
        var sessions = content.Sessions;
        var queue = content.Queue;
        await using var zstd = new DecompressionStream(source, leaveOpen: true);
        await using var tar = new TarReader(zstd);
        while (await tar.GetNextEntryAsync() is { } entry)
        {
            using var buffer = new MemoryStream();
            await entry.DataStream!.CopyToAsync(buffer);
            var bytes = buffer.ToArray();
            if (!listed.TryGetValue(entry.Name, out var sha) || sha != Convert.ToHexStringLower(SHA256.HashData(bytes)))
            {
                throw new InvalidDataException($"{entry.Name}: not as the manifest lists it");
            }

            switch (entry.Name)
            {
                case "redis/sessions.json":
                    foreach (var (k, v) in JsonSerializer.Deserialize<SortedDictionary<string, SortedDictionary<string, string>>>(bytes, DrJson.Options)!)
                    {
                        sessions[k] = v;
                    }

                    break;
                case "redis/queue.json":
                    queue.AddRange(JsonSerializer.Deserialize<List<string>>(bytes, DrJson.Options)!);
                    break;
                default:
                    content.ModelCache[entry.Name["model-cache/".Length..]] = bytes;
                    break;
            }
        }

        return content;
    }

    private static Task<ConnectionMultiplexer> ConnectAsync(ApplicationStateOptions options) =>
        ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions { EndPoints = { options.Redis }, AllowAdmin = true, ConnectTimeout = 3000, AbortOnConnectFail = true });
}
