using CausalEval.Dr.Core.Topology;
using CausalEval.Dr.Lab;
using CausalEval.Dr.Lab.Load;
using CausalEval.Dr.Lab.Postgres;
using CausalEval.Dr.Local.Cli;
using CausalEval.Dr.Local.Hosting;
using Npgsql;

namespace CausalEval.Dr.Local.Drills;

/// <summary>What every drill on the lab does around its own part: a lab to run on, a healthy monitor, the writes checked.</summary>
public static class LabDrill
{
    /// <summary>Runs <paramref name="drill"/> on the running lab, or on one brought up for it (and taken down after, unless kept).</summary>
    public static async Task<T> WithLabAsync<T>(StateDirectory state, string? topology, bool keepLab, Action<string> progress,
        Func<LabController, bool, Task<T>> drill, CancellationToken cancellationToken)
    {
        var lab = new LabController(state.LabDirectory, DrProcess.Command());
        var startedLab = false;
        if (LabState.Load(state.LabDirectory) is not { } running || !running.Processes.Any(p => p.MayBeAlive))
        {
            progress("bringing the lab up");
            await lab.UpAsync(topology, progress, cancellationToken);
            startedLab = true;
        }

        try
        {
            return await drill(lab, startedLab);
        }
        finally
        {
            if (startedLab && !keepLab)
            {
                progress("taking the lab down");
                await lab.DownAsync();
            }
        }
    }

    public static async Task WaitMonitorHealthyAsync(ApiClient client, Action<string> progress, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var reply = await client.StatusAsync("health-monitor", history: false);
            var subject = reply.Body?["customStatus"]?["subject"]?.GetValue<string>();
            if (subject?.Contains(": healthy", StringComparison.Ordinal) == true)
            {
                progress($"monitor: {subject}");
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the health monitor did not report a healthy round within 60 s (is Monitor:Enabled set?): {subject
                    ?? reply.Error}");
            }

            await Task.Delay(200, cancellationToken);
        }
    }

    /// <summary>
    /// Starts writing through api. at <paramref name="rate"/> (a ledger under the lab's ledgers/ named after
    /// <paramref name="name"/>) and lets it settle; stop it with <see cref="RunningLoad.StopAsync"/>.
    /// </summary>
    public static async Task<RunningLoad> StartLoadAsync(StateDirectory state, string name, double rate, double settleSeconds, Action<string> progress,
        CancellationToken cancellationToken)
    {
        var lab = LabState.Load(state.LabDirectory)!;
        var dns = lab.Find("dns")!;
        var ledgerFile = Path.Combine(state.LabDirectory, "ledgers", $"{name}-{DateTime.UtcNow:yyyyMMddTHHmmss}.jsonl");
        var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var load = new LoadGenerator(dns.Address, dns.Ports[0], lab.Zone, lab.Ports["workload"]).RunAsync(rate, TimeSpan.FromHours(2), ledgerFile, stop.Token);
        progress($"load: {rate}/s through api.{lab.Zone}, ledger {ledgerFile}");
        await Task.Delay(TimeSpan.FromSeconds(settleSeconds), cancellationToken);
        return new RunningLoad(ledgerFile, load, stop);
    }

    /// <summary>The ledger's acknowledged writes that <paramref name="node"/> (the primary that serves now) does not have.</summary>
    /// <param name="password">The lab's database password (<c>Database:PasswordSecret</c>).</param>
    public static async Task<IReadOnlyList<long>> LostWritesAsync(Ledger ledger, DatabaseNodeOptions node, string? password,
        CancellationToken cancellationToken)
    {
        var ids = ledger.Acknowledged.Select(e => e.Id!.Value).ToArray();
        var present = new HashSet<long>();
        await using var connection = new NpgsqlConnection(LabPostgres.ConnectionString(node.Host, node.Port, LabPostgres.Database, password));
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT id FROM evaluations WHERE id = ANY($1)", connection);
        command.Parameters.AddWithValue(ids);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            present.Add(reader.GetInt64(0));
        }

        return ledger.LostFrom(present);
    }
}

/// <summary>A load generator writing through api. for a drill.</summary>
public sealed class RunningLoad(string ledgerFile, Task<LoadSummary> load, CancellationTokenSource stop)
{
    public string LedgerFile => ledgerFile;

    /// <summary>Stops the writes and reads the ledger back.</summary>
    public async Task<(LoadSummary Summary, Ledger Ledger)> StopAsync()
    {
        await stop.CancelAsync();
        var summary = await load;
        stop.Dispose();
        return (summary, Ledger.Read(ledgerFile));
    }
}
