using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.RegularExpressions;
using CausalEval.Dr.Adapters.Postgres;
using CausalEval.Dr.Adapters.Processes;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Agent.Postgres;
using CausalEval.Dr.Agent.Wal;
using CausalEval.Dr.Core;
using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Nodes;
using Microsoft.Extensions.Logging;

namespace CausalEval.Dr.Agent.Jobs;

/// <summary>
/// Long work on this host, by id: a start with a known id returns that job (running or done) instead of
/// starting it again, so an activity that runs twice starts one restore. A failed job may be started again
/// under its id. Jobs are kept on disk: an agent that restarts reports a job it was running as interrupted.
/// </summary>
public sealed partial class AgentJobs
{
    private readonly ConcurrentDictionary<string, AgentJob> jobs = new(StringComparer.Ordinal);
    private readonly AgentSettings settings;
    private readonly PostgresNode node;
    private readonly WalPrefetcher prefetcher;
    private readonly ILogger<AgentJobs> logger;
    private readonly Lock gate = new();

    public AgentJobs(AgentSettings settings, PostgresNode node, WalPrefetcher prefetcher, ILogger<AgentJobs> logger)
    {
        this.settings = settings;
        this.node = node;
        this.prefetcher = prefetcher;
        this.logger = logger;
        Directory.CreateDirectory(JobsDirectory);
        foreach (var file in Directory.EnumerateFiles(JobsDirectory, "*.json"))
        {
            var job = JsonSerializer.Deserialize<AgentJob>(File.ReadAllBytes(file), DrJson.Options)!;
            jobs[job.Id] = job.State == AgentJobState.Running
                ? Save(job with { State = AgentJobState.Failed, EndedAt = DateTimeOffset.UtcNow, Error = AgentJob.InterruptedError })
                : job;
        }
    }

    private string JobsDirectory => Path.Combine(settings.StateDirectory, "jobs");

    public AgentJob? Get(string id) => jobs.GetValueOrDefault(CheckedId(id));

    /// <summary>The job once it is no longer running, or as it is after <paramref name="upTo"/> (a long poll); null if unknown.</summary>
    public async Task<AgentJob?> WaitAsync(string id, TimeSpan upTo, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + upTo;
        while (Get(id) is { State: AgentJobState.Running } && DateTime.UtcNow < deadline && !cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(100, CancellationToken.None);
        }

        return Get(id);
    }

    /// <summary>Starts the job, or returns the one with this id; <c>Started</c> says which.</summary>
    public async Task<(AgentJob Job, bool Started)> StartAsync(string id, AgentJobRequest request, CancellationToken cancellationToken = default)
    {
        CheckedId(id);
        lock (gate)
        {
            if (jobs.TryGetValue(id, out var existing) && existing.State != AgentJobState.Failed)
            {
                return (existing, false);
            }
        }

        // Everything checked before the job exists: a bad request starts nothing and writes nothing.
        var work = await PrepareAsync(id, request, cancellationToken);
        lock (gate)
        {
            if (jobs.TryGetValue(id, out var raced) && raced.State != AgentJobState.Failed)
            {
                return (raced, false);
            }

            var job = Save(new AgentJob(id, request, AgentJobState.Running, DateTimeOffset.UtcNow, null, "starting", null, null));
            _ = Task.Run(() => RunAsync(job, work), CancellationToken.None);
            return (job, true);
        }
    }

    private async Task<Func<Action<string>, Task<object>>> PrepareAsync(string id, AgentJobRequest request, CancellationToken cancellationToken)
    {
        switch (request.Kind)
        {
            case AgentJob.RestoreKind:
                if (string.IsNullOrWhiteSpace(request.BackupId))
                {
                    throw new BadInputException("restore: backupId is required");
                }

                var target = CheckedTarget(request.DataDirectory);
                var (store, manifest) = await DatabaseBackupAsync(settings, request, cancellationToken);
                return async progress =>
                {
                    var restored = await BaseBackupRestore.RestoreAsync(store, manifest, target, PgCtl.RunAs,
                        progress: (files, bytes) => progress($"{bytes / 1e6:F0} MB written, {files} files"), cancellationToken: CancellationToken.None);
                    return new { restored.DataDirectory, restored.Files, restored.Bytes, manifest.BackupId, manifest.Database?.StopLsn };
                };
            case AgentJob.ReseedKind:
                CheckPrimaryToCopy(request);
                var seedTarget = CheckedTarget(request.DataDirectory);
                return async progress =>
                {
                    await CopyPrimaryAsync(request, seedTarget, settings.Node, progress);
                    return new { DataDirectory = seedTarget, request.FromHost, request.FromPort };
                };
            case AgentJob.RecoverKind:
                var into = CheckedTarget(request.DataDirectory ?? Beside("recover", id), claimedBy: id);
                return await RecoverJob.PrepareAsync(settings, prefetcher, request, into, () => ClaimTargetAsync(id, into), cancellationToken);
            case AgentJob.SwapInKind:
                var incoming = DataDirectorySwap.CheckNoOtherSwap(Live, id)?.Incoming ?? ProvenRecovery(request);
                return async progress => await DataDirectorySwap.RunAsync(settings, node, id, incoming, progress);
            case AgentJob.RebuildKind:
                CheckPrimaryToCopy(request);
                var swapping = DataDirectorySwap.CheckNoOtherSwap(Live, id) is not null;
                var copy = CheckedTarget(Beside("rebuild", id), claimedBy: id);
                return async progress =>
                {
                    if (!swapping)
                    {
                        await ClaimTargetAsync(id, copy);
                        await CopyPrimaryAsync(request, copy, PrimaryConninfo.ApplicationNameOf(Live) ?? settings.Node, progress);
                    }

                    return await DataDirectorySwap.RunAsync(settings, node, id, copy, progress);
                };
            case AgentJob.RewindKind:
                CheckPrimaryToCopy(request);
                DataDirectorySwap.CheckNoOtherSwap(Live, id);
                return async progress => await RewindJob.RunAsync(settings, node, request, progress);
            default:
                throw new BadInputException($"kind: '{request.Kind}' is not a job kind (known: {string.Join(", ", AgentJob.Kinds)})");
        }
    }

    private string Live => settings.DataDirectory.TrimEnd('/');

    /// <summary>A new directory beside the node's own (same file system: the swap is a rename).</summary>
    private string Beside(string what, string id) => $"{Live}.{what}-{id}";

    /// <summary>The directory a recover job on this agent proved, still as it left it: the only thing swap-in takes.</summary>
    private string ProvenRecovery(AgentJobRequest request)
    {
        var by = request.PreparedBy;
        var prepared = string.IsNullOrWhiteSpace(by)
            ? throw new BadInputException("swap-in: preparedBy (the id of the recover job whose directory goes in) is required")
            : Get(by) ?? throw new BadInputException($"swap-in: this agent has no job '{by}'");
        if (prepared.Request.Kind != AgentJob.RecoverKind || prepared.State != AgentJobState.Succeeded)
        {
            throw new SafetyCheckRefusedException($"swap-in: job {by} is a {prepared.State.ToString().ToLowerInvariant()} {prepared.Request.Kind} job; only a recover job that succeeded has a proven directory");
        }

        var recovered = prepared.Result?["dataDirectory"]?.GetValue<string>() ?? throw new InvalidDataException($"swap-in: job {by} did not report its directory");
        if (request.DataDirectory is { } named && Path.GetFullPath(named).TrimEnd('/') != recovered)
        {
            throw new BadInputException($"swap-in: {named} is not the directory job {by} recovered ({recovered})");
        }

        return Directory.Exists(recovered) && ClaimOf(recovered) == by
            ? recovered
            : throw new SafetyCheckRefusedException($"swap-in: {recovered} is no longer the directory job {by} recovered");
    }

    /// <summary>The complete database backup a job names, and the store it is in; bad input when there is none.</summary>
    internal static async Task<(IObjectStore Store, BackupManifest Manifest)> DatabaseBackupAsync(AgentSettings settings, AgentJobRequest request, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.BackupId))
        {
            throw new BadInputException($"{request.Kind}: backupId is required");
        }

        var store = settings.Store.CreateStore();
        var manifest = await new BackupCatalog(store).TryGetAsync(BackupKind.Database, request.BackupId, cancellationToken)
            ?? throw new BadInputException($"{request.Kind}: no complete database backup '{request.BackupId}' in {store.Location}");
        return (store, manifest);
    }

    /// <summary>
    /// A new (or empty) directory, never the node's own data, never relative. With <paramref name="claimedBy"/>, a
    /// directory that job id claimed before (marker beside it: a rerun of an interrupted job) passes too.
    /// </summary>
    private string CheckedTarget(string? dataDirectory, string? claimedBy = null)
    {
        if (string.IsNullOrWhiteSpace(dataDirectory) || !Path.IsPathFullyQualified(dataDirectory))
        {
            throw new BadInputException($"dataDirectory: '{dataDirectory}' must be an absolute path");
        }

        var target = Path.GetFullPath(dataDirectory).TrimEnd('/');
        var live = settings.DataDirectory.TrimEnd('/');
        if (target == live || target.StartsWith(live + "/", StringComparison.Ordinal) || live.StartsWith(target + "/", StringComparison.Ordinal))
        {
            throw new SafetyCheckRefusedException($"dataDirectory: {target} is (or holds) the node's live data directory {live}");
        }

        if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any() && (claimedBy is null || ClaimOf(target) != claimedBy))
        {
            throw new BadInputException($"dataDirectory: {target} is not empty: restore into a new or empty directory");
        }

        return target;
    }

    private static string? ClaimOf(string directory) => File.Exists(directory + ".dr-job") ? File.ReadAllText(directory + ".dr-job").Trim() : null;

    /// <summary>
    /// Claims a checked target for a job (the marker beside it), once the whole request is checked: a directory
    /// this job id claimed before (an interrupted run) is stopped and emptied first.
    /// </summary>
    private async Task ClaimTargetAsync(string id, string target)
    {
        if (ClaimOf(target) == id && Directory.Exists(target))
        {
            await new PgCtl(settings.BinDirectory, target).StopAsync("immediate");
            Directory.Delete(target, recursive: true);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        await File.WriteAllTextAsync(target + ".dr-job", id);
    }

    private static void CheckPrimaryToCopy(AgentJobRequest request)
    {
        if (string.IsNullOrWhiteSpace(request.FromHost) || request.FromPort is not (>= 1 and <= 65535))
        {
            throw new BadInputException($"{request.Kind}: fromHost and fromPort (1..65535) of the primary to copy are required");
        }
    }

    /// <summary>A fresh standby copy of the primary (pg_basebackup -R: it streams under <paramref name="applicationName"/>).</summary>
    private async Task CopyPrimaryAsync(AgentJobRequest request, string directory, string applicationName, Action<string> progress)
    {
        progress($"pg_basebackup from {request.FromHost}:{request.FromPort} into {directory}");
        await PrepareEmptyDirectoryAsync(directory);
        await ProcessRunner.RunAsync(Path.Combine(settings.BinDirectory, "pg_basebackup"),
            ["-d", $"host={request.FromHost} port={request.FromPort} user={PgCtl.OsUser} application_name={applicationName}",
             "-D", directory, "-R", "-X", "stream", "-c", "fast"],
            PgCtl.RunAs, timeout: TimeSpan.FromHours(12));
    }

    /// <summary>pg_basebackup runs as the server's user: the directory must exist empty, 0700, and be theirs.</summary>
    private static async Task PrepareEmptyDirectoryAsync(string directory)
    {
        Directory.CreateDirectory(directory);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        await PgCtl.GiveToServerAsync(directory);
    }

    private async Task RunAsync(AgentJob job, Func<Action<string>, Task<object>> work)
    {
        try
        {
            var result = await work(progress => jobs[job.Id] = jobs[job.Id] with { Progress = progress });
            Save(jobs[job.Id] with { State = AgentJobState.Succeeded, EndedAt = DateTimeOffset.UtcNow, Result = JsonSerializer.SerializeToNode(result, DrJson.Options) });
            logger.LogInformation("Job {Id} ({Kind}) succeeded", job.Id, job.Request.Kind);
        }
        catch (Exception e)
        {
            Save(jobs[job.Id] with { State = AgentJobState.Failed, EndedAt = DateTimeOffset.UtcNow, Error = e.Message });
            logger.LogError(e, "Job {Id} ({Kind}) failed", job.Id, job.Request.Kind);
        }
    }

    private AgentJob Save(AgentJob job)
    {
        jobs[job.Id] = job;
        var file = Path.Combine(JobsDirectory, job.Id + ".json");
        File.WriteAllBytes(file + ".tmp", JsonSerializer.SerializeToUtf8Bytes(job, DrJson.Indented));
        File.Move(file + ".tmp", file, overwrite: true);
        return job;
    }

    private static string CheckedId(string id) =>
        JobId().IsMatch(id) ? id : throw new BadInputException($"job id '{id}': use 1 to 120 letters, digits, '.', '-' and '_'");

    [GeneratedRegex("^[A-Za-z0-9._-]{1,120}$")]
    private static partial Regex JobId();
}
