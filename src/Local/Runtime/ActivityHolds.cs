using System.Security.Cryptography;
using System.Text;
using CausalEval.Dr.Local.Hosting;
using Microsoft.Extensions.Configuration;

namespace CausalEval.Dr.Local.Runtime;

/// <summary>
/// Fault injection for crash tests and drills of the runtime itself: with <c>Diagnostics:HoldActivitiesOnce</c>
/// (activity names, comma-separated) each distinct call of those activities (name + instance + input) waits
/// <c>Diagnostics:HoldMilliseconds</c> before it runs, once: a marker under <c>{state}/holds/</c> says it was
/// held, so the call's retry after a crash runs at once. A test kills the host while a marker is fresh, i.e.
/// in the middle of that step. Off unless configured.
/// </summary>
public sealed class ActivityHolds(IConfiguration configuration, StateDirectory state)
{
    private readonly HashSet<string> names = (configuration["Diagnostics:HoldActivitiesOnce"] ?? "")
        .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);

    private readonly TimeSpan hold = TimeSpan.FromMilliseconds(configuration.GetValue("Diagnostics:HoldMilliseconds", 3000));

    public static string Folder(string stateDirectory) => Path.Combine(stateDirectory, "holds");

    public async Task BeforeAsync(string activity, string instanceId, string input)
    {
        if (!names.Contains(activity))
        {
            return;
        }

        var call = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{instanceId}\n{input}")))[..12];
        var marker = Path.Combine(Folder(state.Path), $"{activity}-{call}");
        Directory.CreateDirectory(Folder(state.Path));
        try
        {
            await using var created = new FileStream(marker, FileMode.CreateNew, FileAccess.Write);
            await created.WriteAsync(Encoding.UTF8.GetBytes($"{DateTimeOffset.UtcNow:O} {instanceId}\n"));
        }
        catch (IOException)
        {
            return; // held once already: this is the retry
        }

        await Task.Delay(hold);
    }
}
