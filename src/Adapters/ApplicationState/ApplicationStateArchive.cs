using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text.Json;
using CausalEval.Dr.Core;
using CausalEval.Dr.Core.Backups;
using ZstdSharp;

namespace CausalEval.Dr.Adapters.ApplicationState;

/// <summary>
/// The state itself: user sessions (hashes) with, for those that expire, the moment they expire (Unix ms, the
/// Redis server's clock: PEXPIRETIME), the evaluation queue (a list, in order), the model cache (files).
/// </summary>
public sealed record ApplicationStateContent(
    SortedDictionary<string, SortedDictionary<string, string>> Sessions,
    List<string> Queue,
    SortedDictionary<string, byte[]> ModelCache,
    SortedDictionary<string, long> SessionExpiresAtMs)
{
    public static ApplicationStateContent Empty() => new(new(StringComparer.Ordinal), [], new(StringComparer.Ordinal), new(StringComparer.Ordinal));
}

/// <summary>
/// The application state as one tar.zst: redis/sessions.json, redis/session-expiry.json (absent in backups
/// taken before TTLs were kept: those sessions restore without one), redis/queue.json, model-cache/...
/// </summary>
public static class ApplicationStateArchive
{
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
        await AddAsync("redis/session-expiry.json", JsonSerializer.SerializeToUtf8Bytes(content.SessionExpiresAtMs, DrJson.Options));
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
        var content = ApplicationStateContent.Empty();
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
                case "redis/session-expiry.json":
                    foreach (var (k, v) in JsonSerializer.Deserialize<SortedDictionary<string, long>>(bytes, DrJson.Options)!)
                    {
                        content.SessionExpiresAtMs[k] = v;
                    }

                    break;
                case "redis/queue.json":
                    queue.AddRange(JsonSerializer.Deserialize<List<string>>(bytes, DrJson.Options)!);
                    break;
                case var name when name.StartsWith("model-cache/", StringComparison.Ordinal):
                    content.ModelCache[name["model-cache/".Length..]] = bytes;
                    break;
                default:
                    throw new InvalidDataException($"{entry.Name}: not part of an application-state backup");
            }

            listed.Remove(entry.Name);
        }

        return listed.Count == 0
            ? content
            : throw new InvalidDataException($"{listed.Count} entries of the manifest are missing from the archive (first: {listed.Keys.First()})");
    }
}
