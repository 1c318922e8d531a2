using System.Text.Json.Nodes;
using CausalEval.Dr.Adapters.Failover;
using CausalEval.Dr.Adapters.Postgres;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Core.Nodes;
using CausalEval.Dr.Lab;
using CausalEval.Dr.Lab.Postgres;
using CausalEval.Dr.Tests.Failover;
using CausalEval.Dr.Tests.Fixtures;
using Npgsql;

namespace CausalEval.Dr.Tests.Recovery;

/// <summary>
/// On the lab: rows written in batches whose commit times PostgreSQL records (track_commit_timestamp), a
/// base backup after the first. PITR to a moment between two batches yields exactly the rows committed
/// before it; `latest` loses no archived commit; a full restore reproduces the backup; targets in the
/// future, before every backup or past the end of the archive fail at the plan step (exit 2) and leave the
/// running cluster untouched and serving. A `dr serve` killed while the agent's recover job runs is restarted
/// and the recovery completes. An incremental after batch 2 is what a PITR between it and batch 3 restores (its chain), as do the
/// `--replace` and the recovery across timelines below; chains with a missing parent or a broken file list are refused at the plan; after the failover the
/// next incremental is a full backup (a new timeline). `--replace` puts the primary itself back to the target (timeline 2) and rebuilds
/// its standby; after a failover (timeline 3) `latest` from the timeline-1 backup crosses both switches.
/// </summary>
[Collection(LabCollection.Name)]
public sealed class Pitr_recovers_exactly_the_commits_before_the_target_test
{
    [Fact]
    public async Task Recovery_to_time_latest_and_a_full_restore_hold_exactly_the_expected_rows()
    {
        await using var lab = await FailoverLab.StartAsync();
        var primary = lab.Lab.State.Find("postgres-primary")!;
        // Beside the lab's clusters (the lab may live under /tmp when postgres cannot reach the state directory).
        var run = Path.GetDirectoryName(primary.DataDirectory!)!; // the node's job root: recoveries go beside its data
        var recovered = new List<string>();
        try
        {
            await RunAsync(lab, primary, run, recovered);
        }
        finally
        {
            foreach (var directory in recovered)
            {
                await new PgCtl(new DatabaseOptions().BinDirectory, directory).StopAsync("immediate");
            }
        }
    }

    private static async Task RunAsync(FailoverLab lab, LabProcess primary, string run, List<string> recovered)
    {
        var live = lab.Lab.State.ConnectionString(primary.Address, primary.Ports[0]);
        await Sql.ExecuteAsync(live, "CREATE TABLE batches (batch int, n int)");

        var t1 = await BatchAsync(live, 1);
        var backup = await lab.Environment.RunCliAsync("backup", "run", "database", "--json");
        Assert.True(backup.ExitCode == 0, backup.Stdout + backup.Stderr);
        var backupId = backup.Json["output"]!["backupId"]!.GetValue<string>();
        await BatchAsync(live, 2);
        // Three incrementals, a batch between each, while other sessions keep writing: each stores only what changed since its parent.
        using var stopNoise = new CancellationTokenSource();
        var noise = NoiseAsync(live, stopNoise.Token);
        var incrementals = new List<(string Id, DateTimeOffset Done, string StartLsn)>();
        foreach (var batch in new[] { 21, 22, 0 })
        {
            var incremental = await lab.Environment.RunCliAsync("backup", "run", "database", "--type", "incremental", "--json");
            Assert.True(incremental.ExitCode == 0, incremental.Stdout + incremental.Stderr);
            var changed = incremental.Json["output"]!["job"]!["result"]!;
            Assert.Equal(incrementals.Count == 0 ? backupId : incrementals[^1].Id, changed["parentId"]!.GetValue<string>());
            Assert.True(changed["storedBytes"]!.GetValue<long>() < backup.Json["output"]!["backup"]!["uncompressedBytes"]!.GetValue<long>() / 2,
                $"an incremental stored {changed["storedBytes"]} bytes of a {backup.Json["output"]!["backup"]!["uncompressedBytes"]}-byte cluster");
            incrementals.Add((incremental.Json["output"]!["backupId"]!.GetValue<string>(), changed["completedAtUtc"]!.GetValue<DateTimeOffset>(),
                changed["startLsn"]!.GetValue<string>()));
            if (batch > 0)
            {
                await Task.Delay(1100);
                await BatchAsync(live, batch);
            }
        }

        await stopNoise.CancelAsync();
        await noise;
        await Task.Delay(1100);
        var t3 = await BatchAsync(live, 3);
        await Sql.SwitchAndWaitArchivedAsync(live);

        // Targets just after each incremental (before the next batch): the plan picks that incremental, its chain is restored (each file
        // once), and the replay starts at its checkpoint; with a full restore of the full backup, four recover jobs on the node at once.
        DateTimeOffset After(int k) => incrementals[k].Done + TimeSpan.FromMilliseconds(500);
        var between = After(0);
        var pitrs = Enumerable.Range(0, 3).Select(k => RecoverWithPlanAsync(lab, run, recovered, "pitr", "--target", After(k).ToString("O"))).ToList();
        var full = RecoverAsync(lab, run, recovered, "restore", backupId);
        int[][] expected = [[1, 2], [1, 2, 21], [1, 2, 21, 22]];
        for (var k = 0; k < 3; k++)
        {
            var (connection, output) = await pitrs[k];
            Assert.Equal(expected[k], await BatchesAsync(connection));
            Assert.Equal((incrementals[k].Id, "incremental", incrementals[k].StartLsn), (output["plan"]!["backupId"]!.GetValue<string>(),
                output["plan"]!["backupType"]!.GetValue<string>(), output["plan"]!["backupStartLsn"]!.GetValue<string>()));
            var record = await lab.Environment.RunCliAsync("runs", "show", output["instanceId"]!.GetValue<string>(), "--json");
            var replayed = record.Json["figures"]!["walReplayedBytes"]!.GetValue<long>();
            var interval = Lsn.Bytes(k < 2 ? incrementals[k + 1].StartLsn : output["recovered"]!["result"]!["endLsn"]!.GetValue<string>())
                - Lsn.Bytes(incrementals[k].StartLsn);
            Assert.True(replayed > 0 && replayed <= interval, $"PITR after incremental {k + 1} replayed {replayed} bytes of WAL; one interval is {interval}");
        }

        Assert.Equal([1], await BatchesAsync(await full));
        // The replace below goes back to just after the first incremental: the second and third are then of the branch it leaves.
        var incrementalId = incrementals[0].Id;

        // A chain with a missing parent, or a file list that is not what was stored, is refused at the plan (exit 2, exit 5), naming it.
        var store = new LocalDirectoryObjectStore(Path.Combine(Path.GetDirectoryName(run)!, "backups")); // the lab's run folder
        var catalog = new BackupCatalog(store);
        var real = (await catalog.TryGetAsync(BackupKind.Database, incrementals[0].Id))!;
        await catalog.WriteManifestAsync(real with { BackupId = "orphan-incremental", Database = real.Database! with { ParentId = "gone-full" } });
        await store.PutAsync("database/broken-list/files.json", new MemoryStream("{\"not\": \"a list\"}"u8.ToArray()));
        await catalog.WriteManifestAsync(real with
        {
            BackupId = "broken-list", Database = real.Database! with { FilesKey = "database/broken-list/files.json" },
        });
        foreach (var (bad, exit, named) in new[] { ("orphan-incremental", 2, "needs gone-full"), ("broken-list", 5, "broken-list") })
        {
            var refusedInto = Path.Combine(run, "refused-" + bad);
            var refused = await lab.Environment.RunCliAsync("restore", bad, "--into", refusedInto, "--json");
            Assert.True(refused.ExitCode == exit, $"{bad}: exit {refused.ExitCode}\n{refused.Stdout}{refused.Stderr}");
            Assert.Contains(named, refused.Json["failureDetails"]!["errorMessage"]!.GetValue<string>());
            Assert.False(Directory.Exists(refusedInto));
        }

        await catalog.DeleteAsync(BackupKind.Database, "orphan-incremental");
        await catalog.DeleteAsync(BackupKind.Database, "broken-list");

        // Bad targets: refused at the plan, nothing started on the node, the live cluster still takes writes.
        var t4 = await BatchAsync(live, 4); // not archived: past the end of the archive
        await Task.WhenAll(new[] { DateTimeOffset.UtcNow.AddHours(1).ToString("O"), t1.AddSeconds(-1).ToString("O"), t4.AddMilliseconds(1).ToString("O"),
            "yesterday" }
            .Select(async target =>
            {
                var refusedInto = Path.Combine(run, "refused-" + Guid.NewGuid().ToString("N")[..8]);
                var refused = await lab.Environment.RunCliAsync("pitr", "--target", target, "--into", refusedInto, "--json");
                Assert.True(refused.ExitCode == 2, $"target {target}: exit {refused.ExitCode}\n{refused.Stdout}{refused.Stderr}");
                Assert.False(Directory.Exists(refusedInto), $"target {target} left {refusedInto} behind");
            }));

        // A directory the node's agent would not use (outside its job root, or under a folder PostgreSQL's user cannot
        // enter): refused at the plan, in text as in JSON, with nothing restored.
        var closed = Directory.CreateDirectory(Path.Combine(run, "closed-" + Guid.NewGuid().ToString("N")[..8])).FullName;
        File.SetUnixFileMode(closed, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        foreach (var (unusableInto, error) in new[]
                 {
                     (Path.Combine(closed, "data"), $"PostgreSQL's user (postgres) cannot enter {closed}"),
                     (Path.Combine(RepoPaths.NewTempDirectory("pitr-elsewhere"), "data"), $"is outside this node's job root {run}"),
                 })
        {
            var unusable = await lab.Environment.RunCliAsync("pitr", "--target", "latest", "--into", unusableInto);
            Assert.True(unusable.ExitCode == 2, $"--into {unusableInto}: exit {unusable.ExitCode}\n{unusable.Stdout}{unusable.Stderr}");
            Assert.Contains("Failed, step 1 of 3 'plan'", unusable.Stdout);
            Assert.Contains(error, unusable.Stdout); // the error itself, not only the step's line
            Assert.DoesNotContain("waits for `dr approve`", unusable.Stderr); // a recovery beside the cluster has no gate
            Assert.False(Directory.Exists(unusableInto), $"{unusableInto} was created");
        }

        Assert.Empty(Directory.EnumerateFileSystemEntries(closed));

        // Replacing a standby's data would serve nothing: refused at the plan, before any recovery starts.
        var notServing = await lab.Environment.RunCliAsync("pitr", "--target", "latest", "--replace", "--node", "secondary-db", "--approve", "--by", "test",
            "--json");
        Assert.True(notServing.ExitCode == 2, notServing.Stdout + notServing.Stderr);
        Assert.Contains("is not the serving primary", notServing.Json["failureDetails"]!["errorMessage"]!.GetValue<string>());
        Assert.Empty(Directory.EnumerateDirectories(Path.GetDirectoryName(lab.Lab.State.Find("postgres-standby")!.DataDirectory!)!, "data.recover-*"));

        await BatchAsync(live, 5);
        Assert.Equal([1, 2, 3, 4, 5, 21, 22], await BatchesAsync(live));
        await Sql.SwitchAndWaitArchivedAsync(live);

        // `latest`, while the runtime dies during the agent's recover job: the restarted one polls the job to its end,
        // and no archived commit is lost.
        var into = Path.Combine(run, "recovered-kill");
        recovered.Add(into);
        var started = await lab.Environment.RunCliAsync("pitr", "--target", "latest", "--into", into, "--no-wait");
        Assert.True(started.ExitCode == 0, started.Stderr);
        var id = started.Stdout.Trim();
        await WaitForStepAsync(lab, id, "recover");
        await lab.RestartServeAsync();
        var end = await lab.Serve!.WaitForEndAsync(id, TimeSpan.FromMinutes(3));
        Assert.True(end["runtimeStatus"]!.GetValue<string>() == "Completed", end.ToJsonString());
        var afterKill = end["output"]!["recovered"]!["result"]!;
        Assert.Equal([1, 2, 3, 4, 5, 21, 22],
            await BatchesAsync(lab.Lab.State.ConnectionString(afterKill["host"]!.GetValue<string>(), afterKill["port"]!.GetValue<int>())));

        // --replace: the serving primary itself goes back to between batches 2 and 3 (its directory kept aside);
        // its standby is rebuilt on the new timeline, which is archived from its first segment.
        var replace = await lab.Environment.RunCliAsync("pitr", "--target", between.ToString("O"), "--replace", "--approve", "--by", "test", "--json");
        Assert.True(replace.ExitCode == 0, replace.Stdout + replace.Stderr);
        var swapped = replace.Json["output"]!["replaced"]!["swappedIn"]!["result"]!;
        Assert.Equal(2, swapped["timeline"]!.GetValue<int>());
        Assert.Equal(primary.DataDirectory!.TrimEnd('/'), swapped["dataDirectory"]!.GetValue<string>());
        Assert.True(File.Exists(Path.Combine(swapped["replaced"]!.GetValue<string>(), "PG_VERSION")), "the replaced data directory was not kept");
        Assert.Equal([1, 2], await BatchesAsync(live));
        Assert.Equal(2, (await new ServingPrimaryStore(store).ReadAsync())!.Timeline);
        // The primary stopped for the swap and its standby lost its stream: the monitor held off (a failover here
        // would fence the new primary), and the hold is gone again.
        Assert.Empty(await lab.FailoversAsync());
        Assert.Null(await new ServingPrimaryStore(store).ActiveHoldAsync(DateTimeOffset.UtcNow));
        await BatchAsync(live, 6);
        await Sql.SwitchAndWaitArchivedAsync(live);
        Assert.Equal(0L, await Sql.ScalarAsync(live, "SELECT failed_count FROM pg_stat_archiver")); // no segment refused by the archive
        var standby = lab.Lab.State.Find("postgres-standby")!;
        var standbyConnection = lab.Lab.State.ConnectionString(standby.Address, standby.Ports[0]);
        for (var i = 0; i < 100 && (await BatchesAsync(standbyConnection)).Count < 3; i++)
        {
            await Task.Delay(100);
        }

        Assert.Equal([1, 2, 6], await BatchesAsync(standbyConnection)); // the rebuilt standby streams the new timeline

        // Across two timeline switches: the base backup is on timeline 1, the recovery above made timeline 2,
        // a failover timeline 3.
        var failover = await lab.Lab.RunAsync("failover", "--approve", "--json");
        Assert.True(failover.ExitCode == 0, failover.Stdout + failover.Stderr);
        var promoted = standbyConnection;
        await BatchAsync(promoted, 7);
        await Sql.SwitchAndWaitArchivedAsync(promoted);
        // Backups of timelines 2 and 3 would be chosen: without them, recovery must cross both switches, from the newest timeline-1 backup
        // on the history (the first incremental: the later two were taken on the branch the replace left).
        foreach (var onTimeline2 in (await catalog.ListCompleteAsync(BackupKind.Database)).Where(m => m.Database!.Timeline > 1))
        {
            await catalog.DeleteAsync(BackupKind.Database, onTimeline2.BackupId);
        }

        var crossing = Path.Combine(Path.GetDirectoryName(standby.DataDirectory!)!, "recovered-timeline2"); // the serving node's job root now
        recovered.Add(crossing);
        var across = await lab.Environment.RunCliAsync("pitr", "--target", "latest", "--into", crossing, "--json");
        Assert.True(across.ExitCode == 0, across.Stdout + across.Stderr);
        Assert.Equal((1, 3, incrementalId),
            (across.Json["output"]!["plan"]!["backupTimeline"]!.GetValue<int>(), across.Json["output"]!["plan"]!["timeline"]!.GetValue<int>(),
                across.Json["output"]!["plan"]!["backupId"]!.GetValue<string>()));
        var node = across.Json["output"]!["recovered"]!["result"]!;
        Assert.Equal([1, 2, 6, 7], await BatchesAsync(lab.Lab.State.ConnectionString(node["host"]!.GetValue<string>(), node["port"]!.GetValue<int>())));

        // The failover broke the chain (timeline 3): the next incremental is a full backup, and says why.
        var afterFailover = await lab.Environment.RunCliAsync("backup", "run", "database", "--type", "incremental", "--json");
        Assert.True(afterFailover.ExitCode == 0, afterFailover.Stdout + afterFailover.Stderr);
        Assert.True(afterFailover.Json["output"]!["plan"]!["full"]!.GetValue<bool>(), afterFailover.Stdout);
        Assert.Contains("new timeline", afterFailover.Json["output"]!["plan"]!["reason"]!.GetValue<string>());
        Assert.Equal(3, afterFailover.Json["output"]!["full"]!["timeline"]!.GetValue<int>());
    }

    private static async Task WaitForStepAsync(FailoverLab lab, string id, string step)
    {
        for (var i = 0; i < 600; i++)
        {
            var status = await lab.Serve!.StatusAsync(id);
            if (status["customStatus"]?["step"]?.GetValue<string>() == step)
            {
                return;
            }

            Assert.NotEqual("Failed", status["runtimeStatus"]?.GetValue<string>());
            await Task.Delay(100);
        }

        throw new TimeoutException($"{id} never reached step '{step}'");
    }

    /// <summary>One batch of rows in one transaction; returns its commit time as PostgreSQL recorded it.</summary>
    private static async Task<DateTimeOffset> BatchAsync(string connection, int batch)
    {
        await Sql.ExecuteAsync(connection, $"INSERT INTO batches SELECT {batch}, g FROM generate_series(1, 100) g");
        var committed = (DateTime)(await Sql.ScalarAsync(connection, $"SELECT max(pg_xact_commit_timestamp(xmin)) FROM batches WHERE batch = {batch}"))!;
        return new DateTimeOffset(committed, TimeSpan.Zero).ToUniversalTime();
    }

    /// <summary>Runs `dr pitr|restore … --into DIR --json` and returns a connection string to the recovered cluster.</summary>
    private static async Task<string> RecoverAsync(FailoverLab lab, string run, List<string> recovered, params string[] args)
    {
        var into = Path.Combine(run, "recovered-" + Guid.NewGuid().ToString("N")[..8]);
        recovered.Add(into);
        var result = await lab.Environment.RunCliAsync([.. args, "--into", into, "--json"]);
        Assert.True(result.ExitCode == 0, $"dr {string.Join(' ', args)}: exit {result.ExitCode}\n{result.Stdout}\n{result.Stderr}");
        var cluster = result.Json["output"]!["recovered"]!["result"]!;
        var connection = lab.Lab.State.ConnectionString(cluster["host"]!.GetValue<string>(), cluster["port"]!.GetValue<int>());
        // The replay ran with fsync off: what is handed over must run with it on again, now and after a restart.
        Assert.Equal("on", await Sql.ScalarAsync(connection, "SHOW fsync"));
        Assert.DoesNotContain("fsync = 'off'", await File.ReadAllTextAsync(Path.Combine(into, "postgresql.auto.conf")));
        return connection;
    }

    /// <summary>As <see cref="RecoverAsync"/>, with the runbook's output (its plan, the recover job's result) and instance id.</summary>
    private static async Task<(string Connection, JsonNode Output)> RecoverWithPlanAsync(FailoverLab lab, string run, List<string> recovered,
        params string[] args)
    {
        var into = Path.Combine(run, "recovered-" + Guid.NewGuid().ToString("N")[..8]);
        recovered.Add(into);
        var result = await lab.Environment.RunCliAsync([.. args, "--into", into, "--json"]);
        Assert.True(result.ExitCode == 0, $"dr {string.Join(' ', args)}: exit {result.ExitCode}\n{result.Stdout}\n{result.Stderr}");
        var output = result.Json["output"]!;
        output["instanceId"] = result.Json["instanceId"]!.GetValue<string>();
        var cluster = output["recovered"]!["result"]!;
        return (lab.Lab.State.ConnectionString(cluster["host"]!.GetValue<string>(), cluster["port"]!.GetValue<int>()), output);
    }

    /// <summary>Other sessions' writes while the incrementals are taken (rows of a table of their own), until cancelled.</summary>
    private static async Task NoiseAsync(string connection, CancellationToken stop)
    {
        await Sql.ExecuteAsync(connection, "CREATE TABLE IF NOT EXISTS noise (at timestamptz DEFAULT now(), pad text)");
        while (!stop.IsCancellationRequested)
        {
            await Sql.ExecuteAsync(connection, "INSERT INTO noise (pad) SELECT repeat('x', 200) FROM generate_series(1, 200)");
            await Task.Delay(20, CancellationToken.None);
        }
    }

    private static async Task<List<int>> BatchesAsync(string connection)
    {
        await using var db = new NpgsqlConnection(connection);
        await db.OpenAsync();
        await using var query = new NpgsqlCommand("SELECT DISTINCT batch FROM batches ORDER BY batch", db);
        await using var reader = await query.ExecuteReaderAsync();
        var batches = new List<int>();
        while (await reader.ReadAsync())
        {
            batches.Add(reader.GetInt32(0));
        }

        return batches;
    }
}
