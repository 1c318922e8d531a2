using System.Globalization;
using System.Text.RegularExpressions;
using CausalEval.Dr.Adapters.Processes;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Recovery;
using Npgsql;

namespace CausalEval.Dr.Adapters.Postgres;

/// <param name="LastCommitUtc">The last transaction recovery replayed, as the server logged it (null when it replayed none).</param>
/// <param name="ReplaySeconds">From the start until the server took writes.</param>
/// <param name="DurableSeconds">From then until everything replayed was on disk (see <see cref="RecoveredCluster"/>).</param>
public sealed record RecoveryOutcome(string DataDirectory, string Host, int Port, int Timeline, string EndLsn, DateTimeOffset? LastCommitUtc,
    double ReplaySeconds, double DurableSeconds);

/// <summary>
/// Recovers a restored data directory beside the running cluster: recovery settings for the target, its own
/// port, no archiving (a recovered copy must never write a new timeline into the production archive), then
/// start, follow the replay until it promotes, and check it. "Recovery ended before the configured target"
/// stops the server while pg_ctl still says it started: the server's state and log are the truth.
/// The replay runs with fsync off (it writes what the WAL says; waiting for the disk at every restartpoint slowed
/// it: docs/benchmarks.md); a crash meanwhile only loses a copy nobody uses yet, which the job
/// then restores again. Once promoted, fsync is turned back on, a checkpoint writes what is left and the file
/// system is synced: only then is the copy reported, so what is verified and swapped in is on disk.
/// </summary>
public static partial class RecoveredCluster
{
    /// <summary>Starts the recovery's settings in postgresql.auto.conf (what comes before is the backup's own).</summary>
    public const string SettingsMarker = "\n# recovery by CausalEval.Dr\n";

    private const string ReplayWithoutFsync = "fsync = 'off'";

    /// <summary>The recovery's port line, rewritten when a start finds the port taken.</summary>
    private const string PortSetting = "port";

    public static async Task ConfigureAsync(string dataDirectory, RecoveryTarget target, string restoreCommand, string host)
    {
        var settings = new Dictionary<string, string>(target.PostgresSettings())
        {
            ["restore_command"] = restoreCommand,
            ["listen_addresses"] = host,
            ["archive_mode"] = "off",
            ["synchronous_standby_names"] = "", // a primary's sync standby is not this copy's
            ["primary_conninfo"] = "",
        };
        var lines = settings.Select(s => PostgresConfig.Line(s.Key, s.Value)).Append(ReplayWithoutFsync);
        await File.AppendAllTextAsync(Path.Combine(dataDirectory, "postgresql.auto.conf"),
            SettingsMarker + string.Join('\n', lines) + "\n");
        await File.WriteAllTextAsync(Path.Combine(dataDirectory, "recovery.signal"), "");
        File.Delete(Path.Combine(dataDirectory, "standby.signal"));
        await PgCtl.GiveToServerAsync(Path.Combine(dataDirectory, "postgresql.auto.conf"), Path.Combine(dataDirectory, "recovery.signal"));
    }

    /// <param name="port">The port asked for; null: a free one, chosen as the server starts (and chosen again if the
    /// bind finds it taken: nothing is picked before the restore and trusted to be free after it).</param>
    /// <param name="raisePriority">Replay at a raised CPU priority (<see cref="ReplayPriority"/>).</param>
    /// <param name="password">The database user's password (the recovered cluster keeps its backup's pg_hba and roles).</param>
    /// <param name="durable">False for a copy that is checked and thrown away: it keeps running with fsync off, never synced.</param>
    public static async Task<RecoveryOutcome> RecoverAsync(string binDirectory, string dataDirectory, string host, int? port, string? password,
        Action<string> progress,
        TimeSpan timeout, bool raisePriority = true, bool durable = true)
    {
        var pg = new PgCtl(binDirectory, dataDirectory);
        // The server's log goes beside the directory, in a folder that may not be the server user's.
        await File.AppendAllTextAsync(pg.LogFile, "");
        await PgCtl.GiveToServerAsync(pg.LogFile);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var bound = await Ports.OnFreePortAsync("the recovered server", [host], async candidate =>
        {
            await SetPortAsync(dataDirectory, candidate);
            var starting = pg.StartAsync(timeout);
            var raising = raisePriority ? ReplayPriority.RaiseWhileStartingAsync(pg, starting)
                : Task.FromResult("replay at the default priority (Recovery:RaiseReplayPriority is false)");
            try
            {
                await starting;
                progress(await raising);
            }
            catch (InvalidOperationException e) when (e is not PortTakenException && pg.RunningPid() is null)
            {
                ThrowFromLog(pg);
                throw;
            }

            return candidate;
        }, pinned: port ?? 0);

        var connection = DatabaseOptions.ConnectionString(host, bound, PgCtl.OsUser, password);
        // One connection, asked every 50 ms: the end of the replay is seen at once, and no backend is started per question.
        NpgsqlConnection? watching = null;
        try
        {
            while (true)
            {
                if (clock.Elapsed > timeout)
                {
                    throw new TimeoutException($"recovery in {dataDirectory} did not finish in {timeout}; its log says: {DetachedProcess.Tail(pg.LogFile)}");
                }

                if (pg.RunningPid() is null)
                {
                    ThrowFromLog(pg);
                    throw new InvalidOperationException($"the recovering server in {dataDirectory} stopped; its log says: {DetachedProcess.Tail(pg.LogFile)}");
                }

                try
                {
                    if (watching is null)
                    {
                        watching = new NpgsqlConnection(connection);
                        await watching.OpenAsync();
                    }

                    await using var query = new NpgsqlCommand("SELECT pg_is_in_recovery(), coalesce(pg_last_wal_replay_lsn()::text, '')", watching);
                    await using var reader = await query.ExecuteReaderAsync();
                    await reader.ReadAsync();
                    if (!reader.GetBoolean(0))
                    {
                        break;
                    }

                    progress($"replaying WAL: at {reader.GetString(1)}");
                }
                catch (NpgsqlException)
                {
                    progress("starting: not yet consistent");
                    if (watching is not null)
                    {
                        await watching.DisposeAsync();
                        watching = null;
                    }
                }

                await Task.Delay(TimeSpan.FromMilliseconds(50));
            }
        }
        finally
        {
            if (watching is not null)
            {
                await watching.DisposeAsync();
            }
        }

        var replay = clock.Elapsed.TotalSeconds;
        clock.Restart();
        await using var promoted = new NpgsqlConnection(connection);
        await promoted.OpenAsync();
        if (durable)
        {
            progress("promoted: writing the replayed data to disk");
            await MakeDurableAsync(dataDirectory, promoted);
        }

        var durableSeconds = clock.Elapsed.TotalSeconds;
        await using var state = new NpgsqlCommand("SELECT pg_walfile_name(pg_current_wal_lsn()), pg_current_wal_lsn()::text", promoted);
        await using var row = await state.ExecuteReaderAsync();
        await row.ReadAsync();
        var timeline = int.Parse(row.GetString(0)[..8], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        return new RecoveryOutcome(dataDirectory, host, bound, timeline, row.GetString(1), LastCommitOf(pg.LogFile), Math.Round(replay, 3),
            Math.Round(durableSeconds, 3));
    }

    /// <summary>The port line of the recovery's settings (the last port line wins when PostgreSQL reads the file).</summary>
    private static async Task SetPortAsync(string dataDirectory, int port)
    {
        var settings = Path.Combine(dataDirectory, "postgresql.auto.conf");
        var text = await File.ReadAllTextAsync(settings);
        var section = text.IndexOf(SettingsMarker, StringComparison.Ordinal);
        var recovery = text[section..].Split('\n').Where(l => !l.StartsWith(PortSetting + " = ", StringComparison.Ordinal));
        await File.WriteAllTextAsync(settings, text[..section] + string.Join('\n', recovery).TrimEnd('\n') + "\n"
            + PostgresConfig.Line(PortSetting, port.ToString(CultureInfo.InvariantCulture)) + "\n");
    }

    /// <summary>
    /// fsync back on (reloaded: the checkpointer handles the reload before the checkpoint asked after it), a
    /// checkpoint, then syncfs: what the checkpoint wrote is fsynced by it, and whatever was written while fsync
    /// was off (whose sync requests were dropped) is flushed by the file system sync.
    /// </summary>
    private static async Task MakeDurableAsync(string dataDirectory, NpgsqlConnection promoted)
    {
        var settings = Path.Combine(dataDirectory, "postgresql.auto.conf");
        var text = await File.ReadAllTextAsync(settings);
        var section = text.IndexOf(SettingsMarker, StringComparison.Ordinal);
        if (section >= 0)
        {
            await File.WriteAllTextAsync(settings, text[..section] + text[section..].Replace(ReplayWithoutFsync + "\n", "", StringComparison.Ordinal));
        }

        await using (var reload = new NpgsqlCommand("SELECT pg_reload_conf()", promoted))
        {
            await reload.ExecuteNonQueryAsync();
        }

        for (var wait = 0; ; wait++)
        {
            await using var show = new NpgsqlCommand("SELECT current_setting('fsync')", promoted);
            if ((string?)await show.ExecuteScalarAsync() == "on")
            {
                break;
            }

            if (wait == 200)
            {
                throw new InvalidOperationException($"the recovered server in {dataDirectory} still runs with fsync off 10 s after its reload");
            }

            await Task.Delay(50);
        }

        await using (var checkpoint = new NpgsqlCommand("CHECKPOINT", promoted) { CommandTimeout = 3600 })
        {
            await checkpoint.ExecuteNonQueryAsync();
        }

        await ProcessRunner.RunAsync("sync", ["--file-system", dataDirectory], timeout: TimeSpan.FromHours(1));
    }

    /// <summary>pg_amcheck over every database (heap and B-tree indexes, the catalog included), then ANALYZE: the planner starts with no statistics.</summary>
    public static async Task VerifyAndAnalyzeAsync(string binDirectory, string host, int port, string? password, Action<string> progress,
        bool analyze = true)
    {
        var environment = DatabaseOptions.PasswordEnvironment(password);
        string[] connect = ["-h", host, "-p", port.ToString(CultureInfo.InvariantCulture), "-U", PgCtl.OsUser];
        progress("pg_amcheck: heap and indexes of every database");
        try
        {
            await ProcessRunner.RunAsync(Path.Combine(binDirectory, "pg_amcheck"), [.. connect, "--all", "--install-missing"], PgCtl.RunAs,
                timeout: TimeSpan.FromHours(6),
                environment: environment);
        }
        catch (InvalidOperationException e)
        {
            throw new CorruptDataException($"the recovered cluster fails pg_amcheck: {e.Message}");
        }

        if (!analyze)
        {
            return;
        }

        progress("ANALYZE every database");
        await ProcessRunner.RunAsync(Path.Combine(binDirectory, "vacuumdb"), [.. connect, "--all", "--analyze-only", "--quiet"], PgCtl.RunAs,
            timeout: TimeSpan.FromHours(6),
            environment: environment);
    }

    private static void ThrowFromLog(PgCtl pg)
    {
        var log = File.Exists(pg.LogFile) ? File.ReadAllText(pg.LogFile) : "";
        if (log.Contains("recovery ended before configured recovery target was reached", StringComparison.Ordinal))
        {
            throw new SafetyCheckRefusedException($"recovery ended before the target was reached (the archive stops earlier); last replayed: " +
                $"{LastCommitOf(pg.LogFile)?.ToString("O") ?? "nothing"}");
        }
    }

    /// <summary>"last completed transaction was at log time 2026-12-01 10:15:00.5+00", or "recovery stopping before commit …, time …".</summary>
    private static DateTimeOffset? LastCommitOf(string logFile)
    {
        if (!File.Exists(logFile))
        {
            return null;
        }

        DateTimeOffset? last = null;
        foreach (var line in File.ReadLines(logFile))
        {
            if (LastCompleted().Match(line) is { Success: true } match
                && DateTimeOffset.TryParse(match.Groups[1].Value.Replace("+00", "+00:00", StringComparison.Ordinal), CultureInfo.InvariantCulture,
                    DateTimeStyles.AssumeUniversal, out var at))
            {
                last = at.ToUniversalTime();
            }
        }

        return last;
    }

    [GeneratedRegex(@"last completed transaction was at log time (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?[+-]\d\d)")]
    private static partial Regex LastCompleted();
}
