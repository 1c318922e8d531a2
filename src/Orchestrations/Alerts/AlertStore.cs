using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Alerts;

namespace CausalEval.Dr.Orchestrations.Alerts;

/// <summary>
/// The alert state in the control plane's object store: <c>alerts/state.json</c> (written by the evaluator alone) and one
/// object per silence under <c>alerts/silences/</c> (written by people: `dr alerts silence`), so neither overwrites the other.
/// </summary>
public sealed class AlertStore(IObjectStore store)
{
    private const string StateKey = "alerts/state.json";
    private const string SilencesPrefix = "alerts/silences/";

    /// <summary>The state, with the silences as people last wrote them (the state's own copy is only what the last round saw).</summary>
    public async Task<AlertBookState> ReadAsync(CancellationToken cancellationToken = default)
    {
        var state = await store.GetInfoAsync(StateKey, cancellationToken) is null
            ? AlertBookState.Empty()
            : await store.ReadJsonAsync<AlertBookState>(StateKey, cancellationToken);
        state.Silences.Clear();
        state.Silences.AddRange(await SilencesAsync(cancellationToken));
        return state;
    }

    public Task WriteAsync(AlertBookState state, CancellationToken cancellationToken = default) => store.PutJsonAsync(StateKey, state, cancellationToken);

    private async Task<List<Silence>> SilencesAsync(CancellationToken cancellationToken = default)
    {
        var silences = new List<Silence>();
        foreach (var item in await store.ListAsync(SilencesPrefix, cancellationToken))
        {
            silences.Add(await store.ReadJsonAsync<Silence>(item.Key, cancellationToken));
        }

        return silences.OrderBy(s => s.StartsAt).ToList();
    }

    public Task AddSilenceAsync(Silence silence, CancellationToken cancellationToken = default) =>
        store.PutJsonAsync($"{SilencesPrefix}{silence.Id}.json", silence, cancellationToken);

    /// <summary>Ends a silence now (kept a day, as ended ones are, so `dr alerts` shows who silenced what).</summary>
    public async Task<Silence?> ExpireSilenceAsync(string id, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        // An id is a name, never a path: one from a request reaches no other key.
        var key = $"{SilencesPrefix}{id}.json";
        if (id.Length is 0 or > 64 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c == '-') || await store.GetInfoAsync(key, cancellationToken) is null)
        {
            return null;
        }

        var silence = await store.ReadJsonAsync<Silence>(key, cancellationToken);
        var ended = silence with { EndsAt = silence.EndsAt < now ? silence.EndsAt : now };
        await store.PutJsonAsync(key, ended, cancellationToken);
        return ended;
    }

    /// <summary>Silences that ended more than a day ago are removed.</summary>
    public async Task PruneSilencesAsync(IEnumerable<Silence> silences, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        foreach (var silence in silences.Where(s => now - s.EndsAt > AlertBook.KeepResolved))
        {
            await store.DeleteAsync($"{SilencesPrefix}{silence.Id}.json", cancellationToken);
        }
    }
}
