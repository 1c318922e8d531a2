using CausalEval.Dr.Adapters.Postgres;
using CausalEval.Dr.Adapters.Processes;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Nodes;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace CausalEval.Dr.Agent.Postgres;

/// <summary>
/// The PostgreSQL cluster beside the agent, and what the control plane may do to it. Every operation is
/// idempotent (a repeat finds the state it wants and returns it) and checks the current state before it
/// acts; state-changing operations run one at a time.
/// </summary>
public sealed class PostgresNode(AgentSettings settings, ServingPrimaryGuard guard, ILogger<PostgresNode> logger)
{
    private readonly PgCtl pgctl = new(settings.BinDirectory, settings.DataDirectory);
    private readonly FenceMarker fence = new(settings.DataDirectory);
    private readonly SemaphoreSlim gate = new(1, 1);

    private string ConnectionString =>
        DatabaseOptions.ConnectionString(settings.Host, settings.Port, PgCtl.OsUser, settings.DatabasePassword, timeoutSeconds: 3, commandTimeoutSeconds: 10);

    public string DataDirectory => settings.DataDirectory;

    public async Task<NodeStatus> StatusAsync(CancellationToken cancellationToken = default)
    {
        if (pgctl.RunningPid() is null)
        {
            return Stopped(null);
        }

        try
        {
            await using var connection = new NpgsqlConnection(ConnectionString);
            await connection.OpenAsync(cancellationToken);
            await using var query = new NpgsqlCommand("""
                SELECT pg_is_in_recovery(),
                       CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_lsn()::text END,
                       CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_flush_lsn()::text END,
                       pg_last_wal_receive_lsn()::text,
                       pg_last_wal_replay_lsn()::text,
                       pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())::bigint,
                       CASE WHEN pg_is_in_recovery() THEN extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 END,
                       CASE WHEN pg_is_in_recovery()
                            THEN coalesce((SELECT received_tli FROM pg_stat_wal_receiver), (SELECT timeline_id FROM pg_control_checkpoint()))
                            ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int END,
                       (SELECT system_identifier::text FROM pg_control_system())
                """, connection);
            bool inRecovery;
            string? current, flush, receive, replay;
            long? lag;
            double? delay;
            int? timeline;
            string? system;
            await using (var reader = await query.ExecuteReaderAsync(cancellationToken))
            {
                await reader.ReadAsync(cancellationToken);
                inRecovery = reader.GetBoolean(0);
                (current, flush, receive, replay) = (Text(reader, 1), Text(reader, 2), Text(reader, 3), Text(reader, 4));
                lag = reader.IsDBNull(5) ? null : reader.GetInt64(5);
                delay = reader.IsDBNull(6) ? null : Math.Round(reader.GetDouble(6), 3);
                timeline = reader.IsDBNull(7) ? null : reader.GetInt32(7);
                system = Text(reader, 8);
            }

            var replicas = inRecovery ? [] : await ReplicasAsync(connection, cancellationToken);
            var upstream = inRecovery ? await UpstreamAsync(connection, cancellationToken) : null;
            var fenced = fence.IsSet;
            return new NodeStatus(settings.Node, inRecovery ? NodeRole.Standby : NodeRole.Primary, Running: true, Writable: !inRecovery && !fenced, fenced,
                timeline, current, flush, receive, replay, lag, delay, replicas, upstream, SystemIdentifier: system);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            // Running but not answering (starting, recovering, or hung): say so rather than guess a role.
            return pgctl.RunningPid() is null ? Stopped(e.Message) : Stopped(e.Message) with { Running = true, Role = NodeRole.Unknown };
        }
    }

    /// <summary>
    /// Fences the node: first the marker (so no later start can come up writable), then SIGKILL to every
    /// process of the cluster, so no backend, orphaned or not, can acknowledge another commit. Returns once
    /// nothing of it runs.
    /// </summary>
    public async Task<NodeStatus> FenceAsync(FenceRequest request, CancellationToken cancellationToken = default)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            await fence.SetAsync(request);
            if (pgctl.RunningPid() is { } postmaster)
            {
                logger.LogWarning("Fencing {Node}: SIGKILL to postmaster {Pid} and all its processes ({Reason})", settings.Node, postmaster, request.Reason);
                await ClusterProcesses.KillAllAsync(postmaster, settings.DataDirectory, text => logger.LogWarning("{Text}", text));
            }

            return await StatusAsync(cancellationToken);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Removes the fence marker (and the standby.signal the fence added); starts nothing.</summary>
    public async Task<NodeStatus> UnfenceAsync(CancellationToken cancellationToken = default) =>
        await UnderGateAsync(() =>
        {
            fence.Clear(keepStandbySignal: false);
            return Task.CompletedTask;
        }, cancellationToken);

    /// <summary>
    /// Starts the server; a fenced node starts as a read-only standby, and so does a node the DR state
    /// says was failed away from (it is fenced first, see <see cref="ServingPrimaryGuard"/>).
    /// </summary>
    public async Task<NodeStatus> StartAsync(CancellationToken cancellationToken = default) =>
        await UnderGateAsync(() => StartServerAsync(cancellationToken), cancellationToken);

    /// <summary>
    /// Puts another data directory in place of the node's, with nothing else acting on the node meanwhile:
    /// stop (fast), <paramref name="swap"/> (the caller's renames), start as <see cref="StartAsync"/> does.
    /// </summary>
    public async Task<NodeStatus> ReplaceDataDirectoryAsync(Func<Task> swap, CancellationToken cancellationToken = default) =>
        await UnderGateAsync(async () =>
        {
            await pgctl.StopAsync();
            await swap();
            await StartServerAsync(cancellationToken);
        }, cancellationToken);

    private async Task StartServerAsync(CancellationToken cancellationToken)
    {
        if (pgctl.RunningPid() is null)
        {
            if (!fence.IsSet && await guard.ReasonToStartFencedAsync(pgctl, cancellationToken) is { } reason)
            {
                logger.LogWarning("Starting {Node} fenced: {Reason}", settings.Node, reason);
                await fence.SetAsync(new FenceRequest(reason, "agent at start"));
            }

            if (fence.IsSet)
            {
                await fence.EnsureStandbySignalAsync();
            }

            await pgctl.StartAsync();
        }
    }

    /// <param name="mode">"fast" (clients cut, a shutdown checkpoint) or "immediate" (no checkpoint: as a crash, what a drill's
    /// region loss does to a real host's database).</param>
    public async Task<NodeStatus> StopAsync(string mode = "fast", CancellationToken cancellationToken = default) =>
        mode is "fast" or "immediate"
            ? await UnderGateAsync(() => pgctl.StopAsync(mode), cancellationToken)
            : throw new BadInputException($"mode: '{mode}' is not a stop mode (use fast or immediate)");

    /// <summary>Promotes a running standby and returns once it accepts writes; a primary is returned as it is.</summary>
    public async Task<NodeStatus> PromoteAsync(CancellationToken cancellationToken = default)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (fence.IsSet)
            {
                throw new SafetyCheckRefusedException($"node {settings.Node} is fenced: a fenced node is never promoted (unfence it first if you mean it)");
            }

            var before = await StatusAsync(cancellationToken);
            if (!before.Running || before.Error is not null)
            {
                throw new SafetyCheckRefusedException($"node {settings.Node} is not running{(before.Error is null ? ""
                    : $" ({before.Error})")}: nothing to promote");
            }

            if (before.Role == NodeRole.Primary)
            {
                return before;
            }

            await using (var connection = new NpgsqlConnection(ConnectionString))
            {
                await connection.OpenAsync(cancellationToken);
                // Not pg_promote's own wait: it checks every 100 ms; WaitWritableAsync looks every few (a switchover's write gap).
                await using var promote = new NpgsqlCommand("SELECT pg_promote(false)", connection);
                if (await promote.ExecuteScalarAsync(cancellationToken) is not true)
                {
                    throw new InvalidOperationException($"node {settings.Node}: pg_promote refused to signal the promotion");
                }
            }

            await WaitWritableAsync(cancellationToken);
            logger.LogWarning("Promoted {Node}", settings.Node);
            return await StatusAsync(cancellationToken);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// Makes the node a standby streaming from <see cref="DemoteRequest.PrimaryHost"/>: stops it cleanly,
    /// points it at the primary, starts it in recovery. It re-joins, so a fence marker goes. A node already
    /// streaming from that primary is returned as it is.
    /// </summary>
    public Task<NodeStatus> DemoteAsync(DemoteRequest request, CancellationToken cancellationToken = default) =>
        RejoinAsync(request, prepare: null, cancellationToken);

    /// <summary>
    /// <see cref="DemoteAsync"/> with <paramref name="prepare"/> run on the stopped node's directory first (pg_rewind).
    /// A running writable primary is refused: it must be fenced (or stood down) before it can follow another.
    /// </summary>
    public async Task<NodeStatus> RejoinAsync(DemoteRequest request, Func<Task>? prepare, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(request.PrimaryHost) || request.PrimaryPort is < 1 or > 65535)
        {
            throw new BadInputException("demote: primaryHost and primaryPort (1..65535) are required");
        }

        settings.NodeAt(request.PrimaryHost, request.PrimaryPort, "primaryHost"); // a node of the topology, never a server someone names
        if (request.ApplicationName is { } name && (name.Length is 0 or > 63 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.')))
        {
            throw new BadInputException($"applicationName: '{name}' is not a standby name (1 to 63 letters, digits, '_', '-', '.')");
        }

        await gate.WaitAsync(cancellationToken);
        try
        {
            var now = await StatusAsync(cancellationToken);
            if (now is { Role: NodeRole.Standby, Upstream: { } up } && up.SenderHost == request.PrimaryHost && up.SenderPort == request.PrimaryPort
                && !fence.IsSet)
            {
                return now;
            }

            if (prepare is not null && now.Writable)
            {
                throw new SafetyCheckRefusedException($"node {settings.Node} is a writable primary: fence it before it is rewound to follow " +
                    $"{request.PrimaryHost}:{request.PrimaryPort}");
            }

            await pgctl.StopAsync();
            if (prepare is not null)
            {
                try
                {
                    await prepare();
                }
                catch (Exception e)
                {
                    // Whatever the preparation left (pg_rewind removes files the source lacks, the marker among them), it never starts writable.
                    await fence.SetAsync(new FenceRequest($"re-join failed: {e.Message}", "agent"));
                    throw;
                }
            }

            await PointAtPrimaryAsync(request);
            fence.Clear(keepStandbySignal: true);
            await pgctl.StartAsync();
            return await StatusAsync(cancellationToken);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// Stands a primary down for a switchover: a checkpoint and the archive caught up while writes still flow (so the
    /// shutdown has little left to write and archive), the fence marker (it never comes back writable by itself), a fast shutdown (every WAL
    /// sender waits for its standby to flush the shutdown checkpoint), then the demotion token from the control file.
    /// A rerun on the stopped node answers the same token. Anything but a clean shutdown is refused.
    /// </summary>
    public async Task<DemotionToken> StandDownAsync(FenceRequest request, CancellationToken cancellationToken = default)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            var before = await StatusAsync(cancellationToken);
            if (before.Running && before.Role != NodeRole.Primary && !fence.IsSet)
            {
                throw new SafetyCheckRefusedException($"node {settings.Node} is {before.Role.ToString().ToLowerInvariant()}, not a primary: nothing to stand " +
                    $"down");
            }

            var clock = System.Diagnostics.Stopwatch.StartNew();
            if (before is { Running: true, Role: NodeRole.Primary })
            {
                await using var connection = new NpgsqlConnection(ConnectionString);
                await connection.OpenAsync(cancellationToken);
                await using var checkpoint = new NpgsqlCommand("CHECKPOINT", connection) { CommandTimeout = 120 };
                await checkpoint.ExecuteNonQueryAsync(cancellationToken);
                await WaitArchiveCaughtUpAsync(TimeSpan.FromSeconds(10), cancellationToken);
            }

            var checkpointed = clock.Elapsed;
            await fence.SetAsync(request);
            await pgctl.StopQuicklyAsync(TimeSpan.FromSeconds(60));
            var stopped = clock.Elapsed;
            var control = await pgctl.ControlFileAsync();
            string Field(string name) => control.GetValueOrDefault(name)
                ?? throw new InvalidDataException($"node {settings.Node}: pg_controldata has no '{name}'");
            var token = new DemotionToken(settings.Node, Field("Database system identifier"), int.Parse(Field("Latest checkpoint's TimeLineID")),
                Field("Latest checkpoint location"), Field("Latest checkpoint's REDO location"), Field("Database cluster state"));
            if (token.ClusterState != DemotionToken.CleanShutdown)
            {
                throw new SafetyCheckRefusedException($"node {settings.Node} is stopped in state '{token.ClusterState}', not " +
                    $"'{DemotionToken.CleanShutdown}': no demotion token proves what its standbys hold");
            }

            logger.LogWarning("Stood {Node} down: timeline {Timeline}, shutdown checkpoint at {Lsn} (checkpoint and archive caught up {Checkpoint:F0} ms, " +
                "fence and shutdown {Shutdown:F0} ms, token {Token:F0} ms)",
                settings.Node, token.Timeline, token.CheckpointLsn, checkpointed.TotalMilliseconds, (stopped - checkpointed).TotalMilliseconds,
                    (clock.Elapsed - stopped).TotalMilliseconds);
            return token;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// Waits (at most <paramref name="patience"/>) until no finished segment waits for archive_command: the shutdown
    /// archives what is left before it ends, and while writes still flow that costs nothing; inside the shutdown it
    /// is part of the write gap. Not caught up in time is not an error (the shutdown archives the rest).
    /// </summary>
    private async Task WaitArchiveCaughtUpAsync(TimeSpan patience, CancellationToken cancellationToken)
    {
        var status = Path.Combine(settings.DataDirectory, "pg_wal", "archive_status");
        var deadline = DateTime.UtcNow + patience;
        while (Directory.Exists(status) && Directory.EnumerateFiles(status, "*.ready").Any() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, cancellationToken);
        }
    }

    private async Task<NodeStatus> UnderGateAsync(Func<Task> action, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            await action();
            return await StatusAsync(cancellationToken);
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task PointAtPrimaryAsync(DemoteRequest request)
    {
        var autoConf = Path.Combine(settings.DataDirectory, "postgresql.auto.conf");
        var lines = File.Exists(autoConf) ? await File.ReadAllLinesAsync(autoConf) : [];
        // The name it streamed under before (synchronous_standby_names may list it), else the node's.
        var application = request.ApplicationName ?? PrimaryConninfo.ApplicationNameOf(settings.DataDirectory) ?? settings.Node;
        var kept = lines.Where(l => !l.TrimStart().StartsWith("primary_conninfo", StringComparison.Ordinal)).ToList();
        kept.Add(PostgresConfig.Line("primary_conninfo", PostgresConfig.Conninfo(
            [("host", request.PrimaryHost), ("port", request.PrimaryPort.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("user", PgCtl.OsUser),
             .. settings.DatabasePassword is { } password ? new[] { ("password", password) } : [], ("application_name", application)])));
        await File.WriteAllLinesAsync(autoConf, kept);
        await fence.EnsureStandbySignalAsync();
        await PgCtl.GiveToServerAsync(autoConf);
    }

    /// <summary>
    /// Polls the promoted server until it takes a write. Each try connects with a short timeout: right after a promotion a
    /// connect can stall (seen for 3 s while every client reconnected), and another try is quicker than waiting it out.
    /// </summary>
    private async Task WaitWritableAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        var quickConnect = DatabaseOptions.ConnectionString(settings.Host, settings.Port, PgCtl.OsUser, settings.DatabasePassword, timeoutSeconds: 1,
            commandTimeoutSeconds: 10);
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(quickConnect);
                await connection.OpenAsync(cancellationToken);
                // txid_current() assigns a transaction id: only a writable server can.
                await using var write = new NpgsqlCommand("SELECT NOT pg_is_in_recovery() AND txid_current() > 0", connection);
                if (await write.ExecuteScalarAsync(cancellationToken) is true)
                {
                    return;
                }
            }
            catch (NpgsqlException) when (DateTime.UtcNow < deadline)
            {
                // Still finishing recovery (a PostgresException), or a connect that stalled: try again.
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"node {settings.Node} did not accept writes within 60 s of its promotion");
            }

            await Task.Delay(5, cancellationToken);
        }
    }

    private NodeStatus Stopped(string? error) =>
        new(settings.Node, NodeRole.Stopped, Running: false, Writable: false, fence.IsSet, null, null, null, null, null, null, null, [], null, error);

    private static string? Text(NpgsqlDataReader reader, int column) => reader.IsDBNull(column) ? null : reader.GetString(column);

    private static async Task<IReadOnlyList<ReplicaStatus>> ReplicasAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT application_name, client_addr::text, state, sync_state, pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint FROM " +
                "pg_stat_replication", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var replicas = new List<ReplicaStatus>();
        while (await reader.ReadAsync(cancellationToken))
        {
            replicas.Add(new ReplicaStatus(reader.GetString(0), Text(reader, 1), reader.GetString(2), reader.GetString(3), reader.IsDBNull(4) ? null
                : reader.GetInt64(4)));
        }

        return replicas;
    }

    private static async Task<UpstreamStatus?> UpstreamAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT status, sender_host, sender_port FROM pg_stat_wal_receiver", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new UpstreamStatus(reader.GetString(0), Text(reader, 1), reader.IsDBNull(2) ? null : reader.GetInt32(2))
            : null;
    }
}
