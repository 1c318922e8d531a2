using CausalEval.Dr.Adapters.FileStorage;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Nodes;
using CausalEval.Dr.Lab.Load;
using CausalEval.Dr.Local.Hosting;
using CausalEval.Dr.Tests.Failover;
using CausalEval.Dr.Tests.Fixtures;
using Npgsql;

namespace CausalEval.Dr.Tests.Switchover;

/// <summary>
/// The way home after a disaster: `dr lab kill primary`, `dr failover`, `dr lab revive primary`, then `dr reprotect`
/// makes the fenced old primary a streaming standby of the new one by pg_rewind, and `dr failback` under load brings
/// the lab back to its original roles without losing an acknowledged write. A probe writes to both nodes every 100 ms
/// through the whole sequence: never two writable at once, and exactly one from the failover's end to the failback.
/// The failover's RTO, held against a target set low, reaches a receiver as rto_violation. The primary's file store is lost
/// with its region: the failover restores the newest file-storage point into the secondary's and records its age.
/// </summary>
[Collection(LabCollection.Name)]
public sealed class Reprotect_and_failback_after_a_failover_test
{
    [Fact]
    public async Task The_old_primary_is_rewound_and_the_service_goes_home_with_no_loss()
    {
        using var receiver = new FakeAlertReceiver();
        await using var lab = await FailoverLab.StartAsync(new Dictionary<string, string>
        {
            ["DR_Alerts__Enabled"] = "true",
            ["DR_Alerts__EvaluateEverySeconds"] = "1",
            ["DR_Alerts__Rules__rto_violation__TargetSeconds"] = "0.001",
            ["DR_Alerts__Receivers__hook__Kind"] = "webhook",
            ["DR_Alerts__Receivers__hook__Url"] = receiver.Url,
            ["DR_Alerts__Receivers__hook__Match__0"] = "alertname=rto_violation",
            ["DR_Alerts__Receivers__hook__GroupWaitSeconds"] = "0",
        }, monitor: false);
        var nodes = new Dictionary<string,
            string> { ["primary-db"] = lab.Lab.ConnectionString("primary-db"), ["secondary-db"] = lab.Lab.ConnectionString("secondary-db") };
        // Artifacts in the primary region's file store, and a file-storage point of them.
        var dnsServer = lab.Lab.State.Find("dns")!;
        await new LoadGenerator(dnsServer.Address, dnsServer.Ports[0], lab.Lab.State.Zone, lab.Lab.State.Ports["workload"])
            .RunAsync(20, TimeSpan.FromSeconds(2), Path.Combine(lab.Lab.StateDirectory, "artifacts.jsonl"));
        await Task.Delay(500); // the workload writes artifacts behind the evaluations
        var files = await lab.Environment.RunCliAsync("backup", "run", "file-storage", "--json");
        Assert.True(files.ExitCode == 0, $"file-storage backup failed:\n{files.Stdout}\n{files.Stderr}");
        var pointId = files.Json["output"]!["pointId"]!.GetValue<string>();
        Assert.True(files.Json["output"]!["point"]!["objects"]!.GetValue<long>() > 20, "too few artifacts to prove anything");

        var probe = await WritablePrimariesProbe.StartAsync("primary-db", nodes);
        DateTimeOffset failedOver, reprotected;
        await using (probe)
        {
            await Task.Delay(500);
            Assert.True((await lab.Lab.RunAsync("lab", "kill", "primary")).ExitCode == 0);
            var failover = await lab.Environment.RunCliAsync("failover", "--approve", "--json");
            Assert.True(failover.ExitCode == 0, $"failover failed:\n{failover.Stdout}\n{failover.Stderr}");
            failedOver = DateTimeOffset.UtcNow;
            var failoverId = failover.Json["instanceId"]!.GetValue<string>();

            // The primary's file store died with its region: the secondary's now holds the point's objects, every one, and the
            // run record says how old the point was (the file-storage loss window).
            var caughtUp = failover.Json["output"]!["files"]!;
            Assert.Equal(pointId, caughtUp["reference"]!.GetValue<string>());
            Assert.True(caughtUp["lossWindowSeconds"]!.GetValue<double>() > 0);
            var store = LocalConfiguration.Build(null, new StateDirectory(lab.Lab.StateDirectory)).OpenStore(new StateDirectory(lab.Lab.StateDirectory));
            var backups = new FileBackupStore(store);
            var secondaryFiles = lab.Lab.Topology().Regions["secondary"].Files!;
            var difference = await FileStateDiff.CompareAsync(
                new S3FileStore(S3ObjectStore.CreateClient(secondaryFiles.S3.ServiceUrl, "S3RVER", "S3RVER"), secondaryFiles.Container), backups,
                (await backups.FindPointAsync(pointId))!, "");
            Assert.True((difference.Missing, difference.WrongSize) == (0, 0), difference.Describe());
            var record = await lab.Environment.RunCliAsync("runs", "show", failoverId, "--json");
            Assert.True(record.Json["figures"]!["fileStorageRpoSeconds"]!.GetValue<double>() > 0, record.Stdout);
            var rto = (await receiver.FirstDeliveredAsync("rto_violation")).Body["alerts"]![0]!;
            Assert.Equal(("rto_violation", "Failover", failoverId),
                (rto["labels"]!["alertname"]!.GetValue<string>(), rto["labels"]!["runbook"]!.GetValue<string>(),
                    rto["annotations"]!["run"]!.GetValue<string>()));
            // `dr lab status` follows the DR state's serving primary: the promoted standby archives now, and nothing streams from it yet.
            var servedFromSecondary = (await lab.Lab.RunAsync("lab", "status", "--json")).Json;
            Assert.Equal("postgres-standby", servedFromSecondary["servingPrimary"]!.GetValue<string>());
            Assert.Null(servedFromSecondary["archiving"]!["error"]);
            Assert.Empty(servedFromSecondary["replication"]!.AsArray());
            var revived = await lab.Lab.RunAsync("lab", "revive", "primary");
            Assert.True(revived.ExitCode == 0, revived.Stderr);
            Assert.True((await lab.NodeAsync("primary-db")).Fenced);

            var reprotect = await lab.Environment.RunCliAsync("reprotect", "--json");
            Assert.True(reprotect.ExitCode == 0, $"reprotect failed:\n{reprotect.Stdout}\n{reprotect.Stderr}");
            reprotected = DateTimeOffset.UtcNow;
            Assert.Equal("rewind", reprotect.Json["output"]!["method"]!.GetValue<string>());
            var standby = await lab.NodeAsync("primary-db");
            Assert.Equal((NodeRole.Standby, false, "streaming", "127.0.2.1"),
                (standby.Role, standby.Fenced, standby.Upstream?.Status, standby.Upstream?.SenderHost));
            var reprotectedStatus = (await lab.Lab.RunAsync("lab", "status", "--json")).Json;
            Assert.Equal("streaming",
                Assert.Single(reprotectedStatus["replication"]!.AsArray())!["state"]!.GetValue<string>()); // the old primary, as the serving one sees it
            await Task.Delay(500);
        }

        var samples = probe.Samples;
        Assert.DoesNotContain(samples, s => s.Writable.Count > 1);
        var afterFailover = samples.Where(s => s.At > failedOver && s.At < reprotected).ToList();
        Assert.True(afterFailover.Count > 5, $"only {afterFailover.Count} samples between the failover and the reprotect");
        Assert.All(afterFailover, s => Assert.Equal(["secondary-db"], s.Writable));

        // Home again, under load: every acknowledged write is in the primary that serves at the end.
        var ledgerFile = Path.Combine(lab.Lab.StateDirectory, "failback.jsonl");
        var dns = lab.Lab.State.Find("dns")!;
        using var stopLoad = new CancellationTokenSource();
        var load = new LoadGenerator(dns.Address, dns.Ports[0], lab.Lab.State.Zone, lab.Lab.State.Ports["workload"]).RunAsync(50, TimeSpan.FromMinutes(5),
            ledgerFile, stopLoad.Token);
        await Task.Delay(1000);
        var failback = await lab.Environment.RunCliAsync("failback", "--approve", "--json");
        await Task.Delay(1000);
        await stopLoad.CancelAsync();
        await load;
        Assert.True(failback.ExitCode == 0, $"failback failed:\n{failback.Stdout}\n{failback.Stderr}");

        var ledger = Ledger.Read(ledgerFile);
        Assert.True(ledger.Acknowledged.Count() > 50, $"only {ledger.Acknowledged.Count()} writes acknowledged");
        var present = new HashSet<long>();
        await using (var connection = new NpgsqlConnection(nodes["primary-db"]))
        {
            await connection.OpenAsync();
            await using var ids = new NpgsqlCommand("SELECT id FROM evaluations", connection);
            await using var reader = await ids.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                present.Add(reader.GetInt64(0));
            }
        }

        Assert.Empty(ledger.LostFrom(present));
        var home = await lab.NodeAsync("primary-db");
        var secondary = await lab.NodeAsync("secondary-db");
        Assert.Equal((NodeRole.Primary, true), (home.Role, home.Writable));
        Assert.Equal((NodeRole.Standby, "streaming", "127.0.1.1"), (secondary.Role, secondary.Upstream?.Status, secondary.Upstream?.SenderHost));
        Assert.Equal("primary-db", (await lab.ServingPrimaryAsync())!.Node);
        Assert.Equal(["127.0.1.1"], await lab.RecordAsync("db"));
        Assert.All(await lab.RecordAsync("api"), a => Assert.StartsWith("127.0.1.", a));

        // After the switchover home, `dr lab status` describes home's primary again: the secondary streams from it, it archives.
        var homeStatus = (await lab.Lab.RunAsync("lab", "status", "--json")).Json;
        Assert.Equal("postgres-primary", homeStatus["servingPrimary"]!.GetValue<string>());
        Assert.Equal(("secondary", "streaming"), Assert.Single(homeStatus["replication"]!.AsArray()) is { } row
            ? (row["applicationName"]!.GetValue<string>(), row["state"]!.GetValue<string>()) : default);
        Assert.Null(homeStatus["archiving"]!["error"]);
    }
}
