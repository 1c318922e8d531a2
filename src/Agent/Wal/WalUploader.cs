using System.Collections.Concurrent;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Adapters.Wal;
using Microsoft.Extensions.Logging;

namespace CausalEval.Dr.Agent.Wal;

/// <summary>
/// The long-lived uploader behind archive_command (as pgBackRest's archive-async): asked for one segment,
/// it also starts the next ones PostgreSQL has marked ready (pg_wal/archive_status/*.ready), several at a
/// time, so when the server asks for them they are already stored. A segment is reported archived only once
/// the store has it with its checksum; if this process dies, PostgreSQL keeps the .ready files and asks again.
/// </summary>
public sealed class WalUploader(AgentSettings settings, ILogger<WalUploader> logger)
{
    private const int ReadAhead = 4;
    private readonly ConcurrentDictionary<string, Lazy<Task<WalPushResult>>> uploads = new(StringComparer.Ordinal);
    private readonly WalArchive archive = new(settings.Store.CreateStore());
    private readonly SemaphoreSlim parallel = new(ReadAhead);

    private string WalDirectory => Path.Combine(settings.DataDirectory, "pg_wal");

    public async Task<WalPushResult> ArchiveAsync(string name, CancellationToken cancellationToken)
    {
        WalArchive.CheckedName(name);
        var asked = Start(name);
        foreach (var next in ReadyAfter(name).Take(ReadAhead))
        {
            _ = Start(next); // awaited by the ask for it, or dropped once done
        }

        try
        {
            return await asked.WaitAsync(cancellationToken);
        }
        catch (Exception) when (asked.IsFaulted)
        {
            uploads.TryRemove(name, out _); // the next ask tries again
            throw;
        }
    }

    private Task<WalPushResult> Start(string name)
    {
        var upload = uploads.GetOrAdd(name, n => new Lazy<Task<WalPushResult>>(() => UploadAsync(n))).Value;
        if (uploads.Count > 256)
        {
            foreach (var done in uploads.Where(u => u.Value.IsValueCreated && u.Value.Value.IsCompletedSuccessfully).Take(128).ToList())
            {
                uploads.TryRemove(done.Key, out _); // PostgreSQL never asks twice for what it was told is archived
            }
        }

        return upload;
    }

    private async Task<WalPushResult> UploadAsync(string name)
    {
        await parallel.WaitAsync();
        try
        {
            var result = await archive.PushAsync(Path.Combine(WalDirectory, name));
            logger.LogDebug("Archived {Name} ({Bytes} bytes)", name, result.StoredBytes);
            return result;
        }
        finally
        {
            parallel.Release();
        }
    }

    /// <summary>Segments the server has finished and not yet archived, after <paramref name="name"/>, oldest first.</summary>
    private IEnumerable<string> ReadyAfter(string name)
    {
        var status = Path.Combine(WalDirectory, "archive_status");
        if (!Directory.Exists(status))
        {
            return [];
        }

        return Directory.EnumerateFiles(status, "*.ready")
            .Select(f => Path.GetFileNameWithoutExtension(f))
            .Where(n => n.Length == 24 && string.CompareOrdinal(n, name) > 0)
            .Order(StringComparer.Ordinal);
    }
}
