using CausalEval.Dr.Adapters.Postgres;
using CausalEval.Dr.Adapters.Postgres.Incremental;
using CausalEval.Dr.Adapters.Processes;
using CausalEval.Dr.Adapters.Wal;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Nodes;
using CausalEval.Dr.Core.Recovery;
using CausalEval.Dr.Agent.Wal;

namespace CausalEval.Dr.Agent.Jobs;

/// <summary>
/// The "recover" job: restore a base backup beside the running cluster (never over it), replay archived WAL
/// to the target, start it on its own port, pg_amcheck and ANALYZE it. The recovered cluster is left running
/// for the runbook's next step (or an operator) to inspect or swap in; a sandbox (a drill's) skips what only a
/// kept copy needs. A failure stops it and removes the
/// directory, so the job can run again under its id; the server's log stays beside it.
/// </summary>
internal static class RecoverJob
{
    private static readonly TimeSpan ReplayTimeout = TimeSpan.FromHours(12);

    /// <param name="claim">Marks <paramref name="into"/> as this job's; called once the request is checked, so a bad one writes nothing.</param>
    /// <param name="prefetcher">Fills the folder restore_command takes the next segments from (<see cref="RecoverJobPlaceholders.WalSpool"/>).</param>
    /// <param name="walSocket">The agent's WAL socket (<see cref="RecoverJobPlaceholders.WalSocket"/>).</param>
    public static async Task<Func<Action<string>,
        Task<object>>> PrepareAsync(AgentSettings settings, WalPrefetcher prefetcher, string walSocket, AgentJobRequest request,
        string into, Func<Task> claim, CancellationToken cancellationToken)
    {
        var target = RecoveryTarget.Parse(request.Target ?? "latest");
        if (request.Port is { } asked && (asked is < 1 or > 65535 || asked == settings.Port))
        {
            throw new BadInputException($"recover: port {asked} must be 1..65535 and not the node's own ({settings.Port})");
        }

        var (store, chain) = await AgentJobs.DatabaseBackupAsync(settings, request, cancellationToken);
        var manifest = chain.Last;
        var restoreCommand = settings.RestoreCommand is { Length: > 0 } command
            ? command.Replace(RecoverJobPlaceholders.WalSocket, walSocket, StringComparison.Ordinal)
            : target.Kind == RecoveryTargetKind.Immediate && chain.Files is null ? "/bin/false" // a full backup carries the WAL it needs
            : throw new DrConfigurationException("Recovery:RestoreCommand is not set: the command PostgreSQL runs on this host to fetch archived WAL (e.g. " +
                "dr wal fetch %f %p --settings FILE)");
        await claim();
        return async progress =>
        {
            try
            {
                var clock = System.Diagnostics.Stopwatch.StartNew();
                // No fsync per file: the recovery syncs the whole file system once it has promoted (RecoveredCluster).
                var restored = await BaseBackupRestore.RestoreAsync(store, chain, into, PgCtl.RunAs, syncEachFile: false,
                    progress: (files, bytes) => progress($"restoring {manifest.BackupId}: {bytes / 1e6:F0} MB, {files} files"));
                var restoreSeconds = Math.Round(clock.Elapsed.TotalSeconds, 3);
                await RecoveredCluster.ConfigureAsync(into, target,
                    restoreCommand.Replace(RecoverJobPlaceholders.WalSpool, prefetcher.SpoolFor(Path.GetFullPath(into)), StringComparison.Ordinal),
                        settings.Host);
                var outcome = await RecoveredCluster.RecoverAsync(settings.BinDirectory, into, settings.Host, request.Port, settings.DatabasePassword,
                    progress, ReplayTimeout,
                    settings.RaiseReplayPriority, durable: !request.Sandbox);
                clock.Restart();
                await RecoveredCluster.VerifyAndAnalyzeAsync(settings.BinDirectory, settings.Host, outcome.Port, settings.DatabasePassword, progress,
                    analyze: !request.Sandbox);
                return new
                {
                    outcome.DataDirectory, outcome.Host, outcome.Port, outcome.Timeline, outcome.EndLsn, outcome.LastCommitUtc,
                    RestoreSeconds = restoreSeconds, outcome.ReplaySeconds, outcome.DurableSeconds, VerifySeconds = Math.Round(clock.Elapsed.TotalSeconds, 3),
                    manifest.BackupId, RestoredBytes = restored.Bytes, restored.PassedOverBytes, Target = target.ToString(),
                };
            }
            catch
            {
                await new PgCtl(settings.BinDirectory, into).StopAsync("immediate");
                if (Directory.Exists(into))
                {
                    Directory.Delete(into, recursive: true); // the job made it (its claim): nothing else is removed
                }

                File.Delete(into + ".dr-job");
                throw;
            }
        };
    }
}
