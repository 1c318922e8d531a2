using CausalEval.Dr.Adapters.Postgres;
using CausalEval.Dr.Adapters.Processes;
using CausalEval.Dr.Agent.Postgres;
using CausalEval.Dr.Core.Nodes;

namespace CausalEval.Dr.Agent.Jobs;

/// <summary>
/// Turns this node (a fenced old primary, or a standby left on an old timeline) into a standby of the primary
/// at FromHost:FromPort with pg_rewind: only the blocks changed since the timelines split are copied, so
/// re-protecting after a failover costs minutes of WAL, not a copy of the whole cluster. pg_rewind makes the
/// directory a copy of the source's, configuration files included: the node's own (port, addresses, archiving,
/// access) are kept aside first and put back, whatever pg_rewind did. When pg_rewind cannot (no wal_log_hints
/// nor checksums, the WAL it needs is gone, another cluster) the job succeeds with <c>rewound: false</c> and
/// pg_rewind's reason, and the node stays stopped and fenced: the caller rebuilds it from a base backup.
/// </summary>
internal static class RewindJob
{
    public sealed record Rewound(bool Rewind, string? Reason, string Role, int? Timeline, string? Upstream);

    /// <param name="source">The primary to follow: a node of the topology (checked by the job's start).</param>
    public static async Task<object> RunAsync(AgentSettings settings, PostgresNode node, TopologyNode source, Action<string> progress)
    {
        var live = settings.DataDirectory.TrimEnd('/');
        var primary = new DemoteRequest(source.Host, source.Port, PrimaryConninfo.ApplicationNameOf(live) ?? settings.Node);
        string? refused = null;
        try
        {
            var status = await node.RejoinAsync(primary, async () =>
            {
                var kept = KeepIdentity(live);
                progress($"pg_rewind from {primary.PrimaryHost}:{primary.PrimaryPort}");
                try
                {
                    await ProcessRunner.RunAsync(Path.Combine(settings.BinDirectory, "pg_rewind"),
                        ["-D", live, "--source-server",
                            PostgresConfig.Conninfo(("host", source.Host), ("port", source.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                            ("user", PgCtl.OsUser), ("dbname", "postgres")), "-R"],
                        PgCtl.RunAs, timeout: TimeSpan.FromHours(6), environment: DatabaseOptions.PasswordEnvironment(settings.DatabasePassword));
                }
                catch (InvalidOperationException e)
                {
                    refused = e.Message;
                }
                finally
                {
                    await PutIdentityBackAsync(kept, live);
                }

                if (refused is not null)
                {
                    throw new RewindRefusedException(refused);
                }
            });
            progress($"{settings.Node} follows {primary.PrimaryHost}:{primary.PrimaryPort} ({status.Role}, timeline {status.Timeline})");
            return new Rewound(true, null, status.Role.ToString().ToLowerInvariant(), status.Timeline, status.Upstream?.Status);
        }
        catch (RewindRefusedException e)
        {
            progress($"pg_rewind could not: {e.Message}");
            return new Rewound(false, e.Message, NodeRole.Stopped.ToString().ToLowerInvariant(), null, null);
        }
    }

    /// <summary>The node's configuration files, kept beside the directory; a copy from an earlier attempt is the original and stays.</summary>
    private static string KeepIdentity(string live)
    {
        var kept = live + ".rewind-identity";
        if (!Directory.Exists(kept))
        {
            var building = kept + ".tmp";
            if (Directory.Exists(building))
            {
                Directory.Delete(building, recursive: true);
            }

            Directory.CreateDirectory(building);
            foreach (var name in DataDirectorySwap.ConfigurationFiles.Where(n => File.Exists(Path.Combine(live, n))))
            {
                File.Copy(Path.Combine(live, name), Path.Combine(building, name));
            }

            Directory.Move(building, kept);
        }

        return kept;
    }

    private static async Task PutIdentityBackAsync(string kept, string live)
    {
        var restored = new List<string>();
        foreach (var file in Directory.EnumerateFiles(kept))
        {
            var into = Path.Combine(live, Path.GetFileName(file));
            File.Copy(file, into, overwrite: true);
            restored.Add(into);
        }

        await PgCtl.GiveToServerAsync([.. restored]);
        Directory.Delete(kept, recursive: true);
    }
}

/// <summary>pg_rewind refused or failed: the node is left stopped and fenced for a rebuild.</summary>
internal sealed class RewindRefusedException(string message) : Exception(message);
