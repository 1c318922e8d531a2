using System.Text.Json;

namespace CausalEval.Dr.Local.Scheduling;

/// <summary>
/// The last occurrence fired per schedule, kept in the state directory, so a `dr serve` that was down
/// when a backup was due starts it when it comes back.
/// </summary>
public sealed class ScheduleLedger(string stateDirectory)
{
    private readonly string path = Path.Combine(stateDirectory, "schedules.json");
    private readonly Lock gate = new();

    public Dictionary<string, DateTime> Load()
    {
        lock (gate)
        {
            return File.Exists(path)
                ? JsonSerializer.Deserialize<Dictionary<string, DateTime>>(File.ReadAllText(path)) ?? []
                : [];
        }
    }

    public void Record(string schedule, DateTime occurrenceUtc)
    {
        lock (gate)
        {
            var all = File.Exists(path) ? JsonSerializer.Deserialize<Dictionary<string, DateTime>>(File.ReadAllText(path)) ?? [] : [];
            if (all.TryGetValue(schedule, out var known) && known >= occurrenceUtc)
            {
                return;
            }

            all[schedule] = occurrenceUtc;
            var temp = path + ".tmp";
            File.WriteAllText(temp, JsonSerializer.Serialize(all));
            File.Move(temp, path, overwrite: true); // atomic: a crash never leaves half a ledger
        }
    }
}
