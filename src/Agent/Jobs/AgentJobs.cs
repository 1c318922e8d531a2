using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.RegularExpressions;
using CausalEval.Dr.Adapters.Files;
using CausalEval.Dr.Adapters.Postgres;
using CausalEval.Dr.Adapters.Postgres.Incremental;
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
    private readonly AgentRuntimeDirectory runtime;
    private readonly ServingPrimaryGuard serving;
    private readonly ILogger<AgentJobs> logger;
    private readonly Lock gate = new();

    public AgentJobs(AgentSettings settings, PostgresNode node, WalPrefetcher prefetcher, AgentRuntimeDirectory runtime, ServingPrimaryGuard serving,
        ILogger<AgentJobs> logger)
    {
        this.settings = settings;
        this.node = node;
        this.prefetcher = prefetcher;
        this.runtime = runtime;
        this.serving = serving;
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
        var work = await PrepareAsync(id, request, claim: true, cancellationToken);
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

    /// <summary>Checks <paramref name="request"/> exactly as a start under <paramref name="id"/> would, and starts and writes nothing.</summary>
    public async Task<AgentJobCheck> CheckAsync(string id, AgentJobRequest request, CancellationToken cancellationToken = default)
    {
        CheckedId(id);
        if (!(jobs.TryGetValue(id, out var existing) && existing.State != AgentJobState.Failed))
        {
            await PrepareAsync(id, request, claim: false, cancellationToken);
        }

        return new AgentJobCheck(id, request.Kind, Startable: true);
    }

    /// <param name="claim">False for a check: the directory is not claimed, and the work returned is never run.</param>
    private async Task<Func<Action<string>, Task<object>>> PrepareAsync(string id, AgentJobRequest request, bool claim, CancellationToken cancellationToken)
    {
        CheckFields(request);
        switch (request.Kind)
        {
            case AgentJob.RestoreKind:
                if (string.IsNullOrWhiteSpace(request.BackupId))
                {
                    throw new BadInputException("restore: backupId is required");
                }

                var target = CheckedTarget(request.DataDirectory, claimedBy: id);
                var (store, chain) = await DatabaseBackupAsync(settings, request, cancellationToken);
                await ClaimIfAsync(claim, id, target);
                return async progress =>
                {
                    var restored = await InClaimedTargetAsync(id, target, () => BaseBackupRestore.RestoreAsync(store, chain, target, PgCtl.RunAs,
                        progress: (files, bytes) => progress($"{bytes / 1e6:F0} MB written, {files} files"), cancellationToken: CancellationToken.None));
                    return new { restored.DataDirectory, restored.Files, restored.Bytes, chain.Last.BackupId, chain.Last.Database?.StopLsn,
                        Chain = chain.Backups.Select(b => b.BackupId).ToList() };
                };
            case AgentJob.ReseedKind:
                var from = PrimaryToCopy(request);
                var seedTarget = CheckedTarget(request.DataDirectory, claimedBy: id);
                await ClaimIfAsync(claim, id, seedTarget);
                return async progress =>
                {
                    await InClaimedTargetAsync(id, seedTarget, async () =>
                    {
                        await CopyPrimaryAsync(from, seedTarget, settings.Node, progress);
                        return true;
                    });
                    return new { DataDirectory = seedTarget, request.FromHost, request.FromPort };
                };
            case AgentJob.RecoverKind:
                var into = CheckedTarget(request.DataDirectory ?? Beside("recover", id), claimedBy: id);
                return await RecoverJob.PrepareAsync(settings, prefetcher, runtime.Socket, request, into, () => ClaimIfAsync(claim, id, into),
                    cancellationToken);
            case AgentJob.SwapInKind:
                var incoming = DataDirectorySwap.CheckNoOtherSwap(Live, id)?.Incoming ?? ProvenRecovery(request);
                return async progress => await DataDirectorySwap.RunAsync(settings, node, id, incoming, progress);
            case AgentJob.RebuildKind:
                var primary = PrimaryToCopy(request);
                await RefuseIfServingAsync(request.Kind, cancellationToken);
                var swapping = DataDirectorySwap.CheckNoOtherSwap(Live, id) is not null;
                var copy = CheckedTarget(Beside("rebuild", id), claimedBy: id);
                return async progress =>
                {
                    if (!swapping)
                    {
                        await ClaimTargetAsync(id, copy);
                        await InClaimedTargetAsync(id, copy, async () =>
                        {
                            await CopyPrimaryAsync(primary, copy, PrimaryConninfo.ApplicationNameOf(Live) ?? settings.Node, progress);
                            return true;
                        });
                    }

                    return await DataDirectorySwap.RunAsync(settings, node, id, copy, progress);
                };
            case AgentJob.RewindKind:
                var source = PrimaryToCopy(request);
                await RefuseIfServingAsync(request.Kind, cancellationToken);
                DataDirectorySwap.CheckNoOtherSwap(Live, id);
                return async progress => await RewindJob.RunAsync(settings, node, source, progress);
            case AgentJob.IncrementalBackupKind:
                return await IncrementalBackupJob.PrepareAsync(settings, request, cancellationToken);
            case AgentJob.DiscardKind:
                var sandbox = SandboxOf(request);
                return async _ =>
                {
                    if (sandbox is null)
                    {
                        return new { Discarded = (string?)null };
                    }

                    await new PgCtl(settings.BinDirectory, sandbox).StopAsync("immediate");
                    Directory.Delete(sandbox, recursive: true);
                    File.Delete(sandbox + ".dr-job");
                    return new { Discarded = (string?)sandbox };
                };
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
            throw new SafetyCheckRefusedException($"swap-in: job {by} is a {prepared.State.ToString().ToLowerInvariant()} {prepared.Request.Kind} job; only " +
                $"a recover job that succeeded has a proven directory");
        }

        if (prepared.Request.Sandbox)
        {
            throw new SafetyCheckRefusedException($"swap-in: job {by} recovered a sandbox (checked, then discarded: never made durable); it never serves");
        }

        var recovered = prepared.Result?["dataDirectory"]?.GetValue<string>()
            ?? throw new InvalidDataException($"swap-in: job {by} did not report its directory");
        if (request.DataDirectory is { } named && Path.GetFullPath(named).TrimEnd('/') != recovered)
        {
            throw new BadInputException($"swap-in: {named} is not the directory job {by} recovered ({recovered})");
        }

        return Directory.Exists(recovered) && ClaimOf(recovered) == by
            ? recovered
            : throw new SafetyCheckRefusedException($"swap-in: {recovered} is no longer the directory job {by} recovered");
    }

    /// <summary>
    /// The directory a recover job left running beside the node (a drill's sandbox), for a discard: only one that job
    /// claimed, never anything else; null when it is gone already (a discard runs again safely). A recover job still
    /// running is refused: its directory is not done being written.
    /// </summary>
    private string? SandboxOf(AgentJobRequest request)
    {
        var by = string.IsNullOrWhiteSpace(request.PreparedBy)
            ? throw new BadInputException("discard: preparedBy (the id of the recover job whose directory goes) is required")
            : request.PreparedBy;
        CheckedId(by);
        var prepared = Get(by);
        if (prepared is { State: AgentJobState.Running })
        {
            throw new InvalidOperationException($"discard: recover job {by} still runs; discard it once it ended");
        }

        if (prepared is not null && prepared.Request.Kind != AgentJob.RecoverKind)
        {
            throw new BadInputException($"discard: job {by} is a {prepared.Request.Kind} job; only a recover job's directory is discarded");
        }

        var directory = prepared?.Result?["dataDirectory"]?.GetValue<string>() ?? Path.GetFullPath(request.DataDirectory ?? Beside("recover", by));
        return Directory.Exists(directory) && ClaimOf(directory) == by && directory.TrimEnd('/') != Live ? directory : null;
    }

    /// <summary>The complete database backup a job names with the chain it needs (its full backup and incrementals), and the store they are in;
    /// bad input when there is none or a parent is missing, corrupt data when a file list is broken.</summary>
    internal static async Task<(IObjectStore Store, DatabaseBackupChain Chain)> DatabaseBackupAsync(AgentSettings settings, AgentJobRequest request,
        CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.BackupId))
        {
            throw new BadInputException($"{request.Kind}: backupId is required");
        }

        var store = settings.Store.CreateStore();
        var catalog = new BackupCatalog(store);
        var manifest = await catalog.TryGetAsync(BackupKind.Database, request.BackupId, cancellationToken)
            ?? throw new BadInputException($"{request.Kind}: no complete database backup '{request.BackupId}' in {store.Location}");
        return (store, await DatabaseBackupChain.LoadAsync(catalog, manifest, cancellationToken));
    }

    /// <summary>
    /// A directory for a job to create, under the node's job root (<see cref="AgentSettings.JobRoot"/>), in a folder
    /// that exists and that the server's user can reach, never the node's own data, never relative; it must not exist
    /// (a job restores only into a directory it made itself) unless this job id claimed it before (the marker beside
    /// it: a rerun of an interrupted job). Anything else is refused before the job exists, with nothing written.
    /// </summary>
    private string CheckedTarget(string? dataDirectory, string? claimedBy)
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

        if (!target.StartsWith(settings.JobRoot.TrimEnd('/') + "/", StringComparison.Ordinal))
        {
            throw new BadInputException($"dataDirectory: {target} is outside this node's job root {settings.JobRoot} (Agent:JobRoot): a job creates and " +
                $"removes only under it");
        }

        var folder = Path.GetDirectoryName(target)!;
        if (!Directory.Exists(folder))
        {
            throw new BadInputException($"dataDirectory: its folder {folder} does not exist (a job creates the directory, not the folders above it)");
        }

        if (ServerReach.BlockedAt(folder) is { } blocked)
        {
            throw new BadInputException($"dataDirectory: PostgreSQL's user ({PgCtl.RunAs}) cannot enter {blocked}, so it could not run a server in {target}: " +
                $"choose a directory under a folder it can reach");
        }

        if ((Directory.Exists(target) || File.Exists(target) || UnixFiles.StatusOf(target) is not null) && (claimedBy is null || ClaimOf(target) != claimedBy))
        {
            throw new BadInputException($"dataDirectory: {target} exists: a job restores only into a new directory, which it creates");
        }

        return target;
    }

    private static string? ClaimOf(string directory) => File.Exists(directory + ".dr-job") ? File.ReadAllText(directory + ".dr-job").Trim() : null;

    /// <summary>
    /// Claims a checked target for a job, once the whole request is checked: the marker beside it first (so a rerun
    /// knows the directory is the job's), then the directory itself, 0700 and the server user's. A directory this job id
    /// claimed before (an interrupted run) is stopped and removed first.
    /// </summary>
    private async Task ClaimTargetAsync(string id, string target)
    {
        if (ClaimOf(target) == id && Directory.Exists(target))
        {
            await new PgCtl(settings.BinDirectory, target).StopAsync("immediate");
            Directory.Delete(target, recursive: true);
        }

        OwnerOnly.WriteAllText(target + ".dr-job", id);
        OwnerOnly.CreateDirectory(target);
        await PgCtl.GiveToServerAsync(target);
    }

    private Task ClaimIfAsync(bool claim, string id, string target) => claim ? ClaimTargetAsync(id, target) : Task.CompletedTask;

    /// <summary>Runs a job's work in the directory it claimed; on failure removes that directory (the job made it) and nothing else.</summary>
    internal static async Task<T> InClaimedTargetAsync<T>(string id, string target, Func<Task<T>> work)
    {
        try
        {
            return await work();
        }
        catch
        {
            if (ClaimOf(target) == id)
            {
                if (Directory.Exists(target))
                {
                    Directory.Delete(target, recursive: true);
                }

                File.Delete(target + ".dr-job");
            }

            throw;
        }
    }

    /// <summary>The primary a job copies from or follows: a database node of the topology, and not this one.</summary>
    private TopologyNode PrimaryToCopy(AgentJobRequest request) =>
        string.IsNullOrWhiteSpace(request.FromHost) || request.FromPort is not (>= 1 and <= 65535)
            ? throw new BadInputException($"{request.Kind}: fromHost and fromPort (1..65535) of the primary to copy are required")
            : settings.NodeAt(request.FromHost, request.FromPort, "fromHost");

    /// <summary>A node the DR state names serving is never replaced by a copy of another, nor rewound to follow one.</summary>
    private async Task RefuseIfServingAsync(string kind, CancellationToken cancellationToken)
    {
        if (await serving.ServingNodeAsync(cancellationToken) is { } name && string.Equals(name, settings.Node, StringComparison.OrdinalIgnoreCase))
        {
            throw new SafetyCheckRefusedException($"{kind}: the DR state names this node ({settings.Node}) the serving primary: it is never replaced by, or " +
                $"rewound to, another");
        }
    }

    /// <summary>Bounds of a job request's own fields (the body's size and strings are bounded before it is read).</summary>
    private static void CheckFields(AgentJobRequest request)
    {
        if (request.BackupId is { } backup && Core.Requests.DrIds.BackupIdProblem(backup) is { } bad)
        {
            throw new BadInputException($"backupId: {bad}");
        }

        if (request.PreparedBy is { } by && !JobId().IsMatch(by))
        {
            throw new BadInputException($"preparedBy: '{by}' is not a job id");
        }

        if (request.Sandbox && request.Kind != AgentJob.RecoverKind)
        {
            throw new BadInputException($"sandbox: only a recover job makes a sandbox, not a {request.Kind} job");
        }
    }

    /// <summary>A fresh standby copy of the primary (pg_basebackup -R: it streams under <paramref name="applicationName"/>), into the directory the job
    /// claimed.</summary>
    private async Task CopyPrimaryAsync(TopologyNode primary, string directory, string applicationName, Action<string> progress)
    {
        progress($"pg_basebackup from {primary.Name} ({primary.Host}:{primary.Port}) into {directory}");
        await ProcessRunner.RunAsync(Path.Combine(settings.BinDirectory, "pg_basebackup"),
            ["-d", PostgresConfig.Conninfo(("host", primary.Host), ("port", primary.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                 ("user", PgCtl.OsUser), ("application_name", applicationName)),
             "-D", directory, "-R", "-X", "stream", "-c", "fast"],
            PgCtl.RunAs, timeout: TimeSpan.FromHours(12), environment: DatabaseOptions.PasswordEnvironment(settings.DatabasePassword));
    }

    private async Task RunAsync(AgentJob job, Func<Action<string>, Task<object>> work)
    {
        try
        {
            var result = await work(progress => jobs[job.Id] = jobs[job.Id] with { Progress = progress });
            Save(jobs[job.Id] with { State = AgentJobState.Succeeded, EndedAt = DateTimeOffset.UtcNow,
                Result = JsonSerializer.SerializeToNode(result, DrJson.Options) });
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
