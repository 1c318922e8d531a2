using System.Text.Json;
using System.Text.RegularExpressions;
using CausalEval.Dr.Adapters.Postgres;
using CausalEval.Dr.Agent.Postgres;
using CausalEval.Dr.Core;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Nodes;
using CausalEval.Dr.Core.Recovery;

namespace CausalEval.Dr.Agent.Jobs;

/// <summary>A swap in progress (or done), kept beside the node's data directory: a swap interrupted anywhere resumes from it.</summary>
internal sealed record SwapJournal(string Job, string Incoming, string Replaced, bool Done);

/// <summary>
/// Puts a prepared data directory (a recovered copy, a fresh standby) in place of the node's own: the node's
/// server stopped, its directory renamed aside (kept, never deleted: `{dir}.replaced-{time}`), the prepared
/// one renamed in, started. The prepared directory takes the node's identity from the one it replaces: its
/// configuration files (port, addresses, archiving, access), keeping only its own role (standby.signal and
/// where it streams from). A recovered primary ran with archiving off, so the WAL of its new timeline is
/// marked ready for the archiver before it starts: the archive then holds the new timeline from its start.
/// </summary>
internal static partial class DataDirectorySwap
{
    /// <summary>What makes a data directory this node's (port, addresses, archiving, access): kept when its data is replaced or rewound.</summary>
    public static readonly string[] ConfigurationFiles = ["postgresql.conf", "postgresql.auto.conf", "pg_hba.conf", "pg_ident.conf"];

    public static string JournalOf(string live) => live + ".dr-swap.json";

    public static SwapJournal? Read(string live) =>
        File.Exists(JournalOf(live)) ? JsonSerializer.Deserialize<SwapJournal>(File.ReadAllBytes(JournalOf(live)), DrJson.Options) : null;

    /// <summary>Refuses when another job's swap is unfinished; returns this job's journal when it has one.</summary>
    public static SwapJournal? CheckNoOtherSwap(string live, string job)
    {
        var journal = Read(live);
        return journal is { Done: false } && journal.Job != job
            ? throw new SafetyCheckRefusedException($"job {journal.Job} was swapping {journal.Incoming} in for {live} and did not finish: run it again under " +
                $"its id first")
            : journal?.Job == job ? journal : null;
    }

    public static async Task<object> RunAsync(AgentSettings settings, PostgresNode node, string job, string incoming, Action<string> progress)
    {
        var live = settings.DataDirectory.TrimEnd('/');
        var journal = CheckNoOtherSwap(live, job);
        if (journal is null)
        {
            journal = new SwapJournal(job, incoming, $"{live}.replaced-{DateTime.UtcNow:yyyyMMddTHHmmssZ}", Done: false);
            Write(live, journal);
        }

        if (!journal.Done)
        {
            if (Directory.Exists(journal.Incoming))
            {
                progress($"stopping the server of {journal.Incoming}");
                await new PgCtl(settings.BinDirectory, journal.Incoming).StopAsync();
            }

            progress($"stopping {settings.Node} and swapping {journal.Incoming} in");
            await node.ReplaceDataDirectoryAsync(async () =>
            {
                if (!Directory.Exists(journal.Incoming))
                {
                    return; // moved in by an earlier attempt
                }

                var identity = Directory.Exists(live) ? live : journal.Replaced;
                await AdoptIdentityAsync(settings, identity, journal.Incoming);
                if (Directory.Exists(live))
                {
                    Directory.Move(live, journal.Replaced);
                }

                Directory.Move(journal.Incoming, live);
            });
            journal = journal with { Done = true };
            Write(live, journal);
            File.Delete(journal.Incoming + ".dr-job");
        }

        var status = await node.StatusAsync();
        progress($"{settings.Node} runs {live} ({status.Role}, timeline {status.Timeline}); the replaced directory is {journal.Replaced}");
        // (A node that had no data directory, a cold region's, replaced nothing.)
        return new { DataDirectory = live, Replaced = Directory.Exists(journal.Replaced) ? journal.Replaced : null,
            Role = status.Role.ToString().ToLowerInvariant(), status.Timeline, status.CurrentLsn };
    }

    /// <summary>
    /// A node with no data directory of its own (a cold region's host) has no configuration to hand over: the
    /// recovered cluster keeps the settings its backup carried (archiving among them), without the recovery's
    /// overrides, and is given this host's address, port and socket folder; no synchronous standby (none follows yet).
    /// </summary>
    private static async Task WriteFreshIdentityAsync(AgentSettings settings, string into)
    {
        var autoConf = Path.Combine(into, "postgresql.auto.conf");
        var text = File.Exists(autoConf) ? await File.ReadAllTextAsync(autoConf) : "";
        var recovery = text.IndexOf(RecoveredCluster.SettingsMarker, StringComparison.Ordinal);
        var sockets = Path.Combine(Path.GetDirectoryName(settings.DataDirectory.TrimEnd('/'))!, "sockets");
        Directory.CreateDirectory(sockets);
        await PgCtl.GiveToServerAsync(sockets);
        await File.WriteAllTextAsync(autoConf, (recovery >= 0 ? text[..recovery] : text) + $"""

            # this host's own (CausalEval.Dr: swapped into a node without a data directory)
            {PostgresConfig.Line("listen_addresses", settings.Host)}
            {PostgresConfig.Line("port", settings.Port.ToString(System.Globalization.CultureInfo.InvariantCulture))}
            {PostgresConfig.Line("unix_socket_directories", sockets)}
            {PostgresConfig.Line("synchronous_standby_names", "")}
            {PostgresConfig.Line("primary_conninfo", "")}

            """);
    }

    /// <summary>The node's configuration into the incoming directory, its own role kept; a primary's new-timeline WAL marked for archiving.</summary>
    private static async Task AdoptIdentityAsync(AgentSettings settings, string from, string into)
    {
        var binDirectory = settings.BinDirectory;
        var autoConf = Path.Combine(into, "postgresql.auto.conf");
        var streamsFrom = PrimaryConninfo.LineOf(into);
        if (Directory.Exists(from))
        {
            foreach (var name in ConfigurationFiles.Where(n => File.Exists(Path.Combine(from, n))))
            {
                File.Copy(Path.Combine(from, name), Path.Combine(into, name), overwrite: true);
            }
        }
        else
        {
            await WriteFreshIdentityAsync(settings, into);
        }

        var standby = File.Exists(Path.Combine(into, "standby.signal"));
        if (standby && streamsFrom is not null)
        {
            await File.AppendAllTextAsync(autoConf, $"\n# its own upstream, kept by the swap (CausalEval.Dr)\n{streamsFrom}\n");
        }

        List<string> owned = [.. ConfigurationFiles.Select(n => Path.Combine(into, n)).Where(File.Exists)];
        if (!standby && await new PgCtl(binDirectory, into).ControlDataAsync() is ({ } timeline, { } checkpoint, { } segmentBytes))
        {
            // The shutdown checkpoint's segment is where WAL continues: PostgreSQL marks it itself once it is full.
            var current = WalChain.NameOf(timeline, Lsn.Bytes(checkpoint) / segmentBytes, segmentBytes);
            owned.AddRange(MarkNewTimelineReady(into, timeline, current));
        }

        await PgCtl.GiveToServerAsync([.. owned]);
    }

    /// <summary>
    /// The history file and the finished segments of <paramref name="timeline"/> (those before <paramref name="current"/>)
    /// with no archive status yet get a .ready one. The current segment must not: archived now, it would be
    /// refused later as a different file under the same name once full.
    /// </summary>
    private static List<string> MarkNewTimelineReady(string dataDirectory, int timeline, string current)
    {
        var wal = Path.Combine(dataDirectory, "pg_wal");
        var status = Path.Combine(wal, "archive_status");
        Directory.CreateDirectory(status);
        var prefix = timeline.ToString("X8");
        var marked = new List<string>();
        foreach (var name in Directory.EnumerateFiles(wal).Select(Path.GetFileName).OfType<string>())
        {
            var ours = name == $"{prefix}.history"
                || (Segment().IsMatch(name) && name.StartsWith(prefix, StringComparison.Ordinal) && string.CompareOrdinal(name, current) < 0);
            if (ours && !File.Exists(Path.Combine(status, name + ".done")) && !File.Exists(Path.Combine(status, name + ".ready")))
            {
                var ready = Path.Combine(status, name + ".ready");
                File.WriteAllText(ready, "");
                marked.Add(ready);
            }
        }

        return marked;
    }

    private static void Write(string live, SwapJournal journal)
    {
        var file = JournalOf(live);
        File.WriteAllBytes(file + ".tmp", JsonSerializer.SerializeToUtf8Bytes(journal, DrJson.Indented));
        File.Move(file + ".tmp", file, overwrite: true);
    }

    [GeneratedRegex("^[0-9A-F]{24}$")]
    private static partial Regex Segment();
}
