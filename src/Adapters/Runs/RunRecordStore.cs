using System.Text.Json;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Runs;

namespace CausalEval.Dr.Adapters.Runs;

/// <summary>
/// Run records in the object store (layout in <see cref="RunRecordKeys"/>). Writing a record twice writes the
/// same objects (an activity runs at least once); listing a period reads only that period's day prefixes.
/// </summary>
public sealed class RunRecordStore(IObjectStore store)
{
    /// <summary>Seed-independent default: a little over a year, so year-on-year reports have their data.</summary>
    public static readonly TimeSpan DefaultKeep = TimeSpan.FromDays(400);

    private sealed record Pointer(string Key);

    private sealed record PruneMarker(DateOnly PrunedThrough);

    public IObjectStore Store => store;

    public async Task<string> WriteAsync(RunRecord run, CancellationToken cancellationToken = default)
    {
        var key = RunRecordKeys.KeyOf(run);
        await PutJsonAsync(key, run, cancellationToken);
        await PutJsonAsync(RunRecordKeys.PointerKey(run.InstanceId), new Pointer(key), cancellationToken);
        return key;
    }

    /// <summary>The runs that ended from <paramref name="fromUtc"/> to <paramref name="toUtc"/>, newest first; optionally of one runbook only.</summary>
    public async Task<IReadOnlyList<RunRecord>> ListAsync(DateTimeOffset fromUtc, DateTimeOffset toUtc, string? runbook = null,
        CancellationToken cancellationToken = default)
    {
        var runs = new List<RunRecord>();
        foreach (var day in RunRecordKeys.Days(fromUtc, toUtc))
        {
            var prefix = runbook is null ? RunRecordKeys.DayPrefix(day) : RunRecordKeys.DayPrefix(day, runbook);
            foreach (var obj in await store.ListAsync(prefix, cancellationToken))
            {
                var run = await ReadJsonAsync<RunRecord>(obj.Key, cancellationToken);
                if (run.EndedAt >= fromUtc && run.EndedAt <= toUtc)
                {
                    runs.Add(run);
                }
            }
        }

        return runs.OrderByDescending(r => r.EndedAt).ToList();
    }

    /// <summary>The record of one instance, or null when it has none (still running, or never recorded).</summary>
    public async Task<RunRecord?> FindAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        var pointerKey = RunRecordKeys.PointerKey(instanceId);
        if (await store.GetInfoAsync(pointerKey, cancellationToken) is null)
        {
            return null;
        }

        var pointer = await ReadJsonAsync<Pointer>(pointerKey, cancellationToken);
        return await store.GetInfoAsync(pointer.Key, cancellationToken) is null ? null : await ReadJsonAsync<RunRecord>(pointer.Key, cancellationToken);
    }

    /// <summary>
    /// Deletes the records (and their pointers) of days older than <paramref name="keep"/> that an earlier call
    /// has not pruned yet; cheap when there is nothing to do (one small read). Idempotent.
    /// </summary>
    public async Task<int> PruneAsync(DateTimeOffset nowUtc, TimeSpan keep, CancellationToken cancellationToken = default)
    {
        var marker = await store.GetInfoAsync(RunRecordKeys.PruneMarkerKey, cancellationToken) is null
            ? null
            : await ReadJsonAsync<PruneMarker>(RunRecordKeys.PruneMarkerKey, cancellationToken);
        var days = RunRecordKeys.DaysToPrune(marker?.PrunedThrough, RunRecordKeys.DayOf(nowUtc), keep);
        var deleted = 0;
        foreach (var day in days)
        {
            foreach (var obj in await store.ListAsync(RunRecordKeys.DayPrefix(day), cancellationToken))
            {
                var run = await ReadJsonAsync<RunRecord>(obj.Key, cancellationToken);
                await store.DeleteAsync(RunRecordKeys.PointerKey(run.InstanceId), cancellationToken);
                await store.DeleteAsync(obj.Key, cancellationToken);
                deleted++;
            }
        }

        if (days.Count > 0)
        {
            await PutJsonAsync(RunRecordKeys.PruneMarkerKey, new PruneMarker(days[^1]), cancellationToken);
        }

        return deleted;
    }

    /// <summary>Run records of a newer format than this version knows are refused, not half read.</summary>
    private async Task<T> ReadJsonAsync<T>(string key, CancellationToken cancellationToken)
    {
        var json = await store.ReadBytesAsync(key, cancellationToken);
        if (typeof(T) == typeof(RunRecord))
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.TryGetProperty("format", out var format) && format.GetInt32() > RunRecord.CurrentFormat)
            {
                throw new CorruptDataException($"'{key}' is a run record of format {format.GetInt32()}; this version reads formats up to " +
                    $"{RunRecord.CurrentFormat}");
            }
        }

        return ObjectStoreJson.FromJson<T>(json, key);
    }

    private Task PutJsonAsync<T>(string key, T value, CancellationToken cancellationToken) => store.PutJsonAsync(key, value, cancellationToken);
}
