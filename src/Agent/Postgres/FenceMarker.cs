using System.Text.Json;
using CausalEval.Dr.Adapters.Postgres;
using CausalEval.Dr.Core;
using CausalEval.Dr.Core.Nodes;

namespace CausalEval.Dr.Agent.Postgres;

/// <summary>
/// The fence marker, kept in the data directory itself so it travels with the data: while it is there the
/// node can only start as a read-only standby (standby.signal is put beside it), by the agent, by pg_ctl or
/// by a revived host alike. Re-joining (demote) or rebuilding the directory is what removes it; so does an
/// explicit unfence.
/// </summary>
public sealed class FenceMarker(string dataDirectory)
{
    private string MarkerFile => Path.Combine(dataDirectory, "dr.fenced");

    private string StandbySignal => Path.Combine(dataDirectory, "standby.signal");

    private sealed record Marker(DateTimeOffset FencedAt, string? Reason, string? By, bool AddedStandbySignal);

    public bool IsSet => File.Exists(MarkerFile);

    /// <summary>Writes the marker and standby.signal, durably, before anything is stopped. Idempotent.</summary>
    public async Task SetAsync(FenceRequest request)
    {
        if (IsSet)
        {
            await EnsureStandbySignalAsync();
            return;
        }

        var added = !File.Exists(StandbySignal);
        await EnsureStandbySignalAsync();
        await WriteDurablyAsync(MarkerFile,
            JsonSerializer.SerializeToUtf8Bytes(new Marker(DateTimeOffset.UtcNow, request.Reason, request.By, added), DrJson.Indented));
    }

    /// <summary>A fenced node starting again: make sure nobody took standby.signal away meanwhile.</summary>
    public async Task EnsureStandbySignalAsync()
    {
        if (!File.Exists(StandbySignal))
        {
            await WriteDurablyAsync(StandbySignal, []);
        }
    }

    /// <param name="keepStandbySignal">A re-join keeps it (the node becomes a standby); an unfence removes the one the fence added.</param>
    public void Clear(bool keepStandbySignal)
    {
        if (!IsSet)
        {
            return;
        }

        var marker = JsonSerializer.Deserialize<Marker>(File.ReadAllBytes(MarkerFile), DrJson.Options);
        if (!keepStandbySignal && marker?.AddedStandbySignal == true)
        {
            File.Delete(StandbySignal);
        }

        File.Delete(MarkerFile);
    }

    /// <summary>Written and fsynced, and owned by the server's user like every file of the data directory.</summary>
    private static async Task WriteDurablyAsync(string path, byte[] bytes)
    {
        await using (var file = new FileStream(path, FileMode.Create, FileAccess.Write))
        {
            await file.WriteAsync(bytes);
            file.Flush(flushToDisk: true);
        }

        await PgCtl.GiveToServerAsync(path);
    }
}
