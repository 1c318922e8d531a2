using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Adapters.Wal;
using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Lab;
using CausalEval.Dr.Local.Hosting;
using CausalEval.Dr.Orchestrations.Drills;
using CausalEval.Dr.Tests.Fixtures;
using Npgsql;

namespace CausalEval.Dr.Tests.Drills;

/// <summary>
/// The BackupRestoreTest on one lab: it passes on a good lab and marks the backup verified; it fails, naming what is wrong,
/// on rows in the sandbox that differ from the truth, on a WAL segment deleted inside the window, and on a byte flipped
/// in a stored backup part. Every run, passed or failed, leaves no sandbox behind.
/// </summary>
public sealed class Backup_restore_test_fails_naming_a_flipped_byte_a_wal_hole_or_wrong_rows_test(LabFixture lab) : IClassFixture<LabFixture>
{
    [Fact]
    public async Task Passes_on_a_good_lab_and_fails_naming_each_fault()
    {
        // The alert evaluator runs too, with the database RPO set low: the archive's age the drill measures must reach a receiver as rpo_violation.
        using var receiver = new FakeAlertReceiver();
        await using var serve = DrEnvironment.ForLab(lab.StateDirectory, new Dictionary<string, string>
        {
            ["DR_Alerts__Enabled"] = "true",
            ["DR_Alerts__EvaluateEverySeconds"] = "1",
            ["DR_Alerts__Rules__rpo_violation__TargetSeconds"] = "0.001",
            ["DR_Alerts__Receivers__hook__Kind"] = "webhook",
            ["DR_Alerts__Receivers__hook__Url"] = receiver.Url,
            ["DR_Alerts__Receivers__hook__Match__0"] = "alertname=rpo_violation",
            ["DR_Alerts__Receivers__hook__GroupWaitSeconds"] = "0",
        }).Serve();
        var store = LocalConfiguration.Build(null, new StateDirectory(lab.StateDirectory)).OpenStore(new StateDirectory(lab.StateDirectory));
        var catalog = new BackupCatalog(store);
        Assert.Equal("Completed", (await serve.WaitForEndAsync(await serve.StartAsync("BackupDatabase", new { }), TimeSpan.FromMinutes(2)))["runtimeStatus"]!
            .GetValue<string>());
        var backup = (await catalog.ListCompleteAsync(BackupKind.Database)).Single();

        // A good lab: passes, and the backup is verified.
        var good = await RunAsync(serve, "brt-good");
        Assert.True(good.Report["passed"]!.GetValue<bool>(), good.Report.ToJsonString());
        Assert.True(await catalog.IsVerifiedAsync(BackupKind.Database, backup.BackupId));
        Assert.Contains("marker rows, as committed", good.Report["notes"]![0]!.GetValue<string>());
        NoSandboxLeft();
        var rpo = (await receiver.FirstDeliveredAsync("rpo_violation")).Body["alerts"]![0]!["labels"]!;
        Assert.Equal(("rpo_violation", "BackupRestoreTest", "true"),
            (rpo["alertname"]!.GetValue<string>(), rpo["runbook"]!.GetValue<string>(), rpo["drill"]!.GetValue<string>()));
        using (var agents = lab.Agents())
        {
            // The sandbox (beside the standby) was never made durable: its recover job can never be swapped in.
            var refused = await Assert.ThrowsAnyAsync<CausalEval.Dr.Core.Errors.DrException>(() => agents.For("secondary-db").StartJobAsync("swap-sandbox",
                new CausalEval.Dr.Core.Nodes.AgentJobRequest(CausalEval.Dr.Core.Nodes.AgentJob.SwapInKind, PreparedBy: "brt-good-sandbox")));
            Assert.Contains("never made durable", refused.Message);
        }

        // Rows that differ: a marker row of this drill that it never wrote, committed before its markers (so before its target).
        // The drill starts its rows over by deleting them; a rule keeps this one, so the sandbox holds a row the truth lacks.
        await using (var connection = new NpgsqlConnection(lab.ConnectionString("primary-db", "postgres")))
        {
            await connection.OpenAsync();
            await new NpgsqlCommand(WriteDrillMarkers.CreateTable, connection).ExecuteNonQueryAsync();
            await new NpgsqlCommand($"INSERT INTO {WriteDrillMarkers.Table} (drill, seq) VALUES ('brt-extra', 0)", connection).ExecuteNonQueryAsync();
        }

        await using (var connection = new NpgsqlConnection(lab.ConnectionString("primary-db", "postgres")))
        {
            await connection.OpenAsync();
            await new NpgsqlCommand($"CREATE OR REPLACE RULE keep_extra AS ON DELETE TO {WriteDrillMarkers.Table} WHERE old.seq = 0 DO INSTEAD NOTHING",
                connection).ExecuteNonQueryAsync();
        }

        var extra = await RunAsync(serve, "brt-extra");
        Assert.Contains("marker rows that were not committed before the target [0]", extra.Error);
        NoSandboxLeft();
        await using (var connection = new NpgsqlConnection(lab.ConnectionString("primary-db", "postgres")))
        {
            await connection.OpenAsync();
            await new NpgsqlCommand($"DROP RULE keep_extra ON {WriteDrillMarkers.Table}", connection).ExecuteNonQueryAsync();
        }

        // A WAL segment deleted inside the window: named, nothing restored.
        var segments = (await new WalArchive(store).ListAsync()).Select(w => w.FileName).Where(n => !n.Contains('.')).Order().ToList();
        var hole = segments[^2];
        var bytes = await store.ReadBytesAsync(WalArchive.KeyOf(hole));
        await store.DeleteAsync(WalArchive.KeyOf(hole));
        var holed = await RunAsync(serve, "brt-hole");
        Assert.Contains($"hole at {hole}", holed.Error);
        Assert.DoesNotContain(holed.Report["steps"]!.AsArray(), s => s!["name"]!.GetValue<string>() == "restore into a sandbox");
        await store.PutAsync(WalArchive.KeyOf(hole), new MemoryStream(bytes));

        // A byte flipped in a stored part (bit rot: the size and the recorded checksum stay as they were).
        var part = (backup.Parts ?? []).First().Key;
        var file = Path.Combine(lab.LabDirectory, "run", "backups", part);
        var content = await File.ReadAllBytesAsync(file);
        content[content.Length / 2] ^= 0x01;
        await File.WriteAllBytesAsync(file, content);
        var flipped = await RunAsync(serve, "brt-flipped");
        Assert.Contains(part, flipped.Error);
        NoSandboxLeft();
    }

    private sealed record Drill(JsonNode Report, string Error);

    private static async Task<Drill> RunAsync(ServeProcess serve, string id)
    {
        await serve.StartAsync("BackupRestoreTest", new { }, id);
        var end = await serve.WaitForEndAsync(id, TimeSpan.FromMinutes(3));
        var report = (await serve.Http.GetFromJsonAsync<JsonNode>($"/api/drills/{id}/report"))!;
        var error = end["failureDetails"]?["errorMessage"]?.GetValue<string>() ?? "";
        Assert.Equal(end["runtimeStatus"]!.GetValue<string>() == "Completed", report["passed"]!.GetValue<bool>());
        return new Drill(report, error);
    }

    /// <summary>No recovered cluster's directory beside either node's own.</summary>
    private void NoSandboxLeft()
    {
        foreach (var postgres in LabState.Load(lab.LabDirectory)!.Processes.Where(p => p.DataDirectory is not null))
        {
            var live = postgres.DataDirectory!.TrimEnd('/');
            var left = Directory.GetDirectories(Path.GetDirectoryName(live)!, Path.GetFileName(live) + ".recover-*");
            Assert.True(left.Length == 0, $"sandbox left: {string.Join(", ", left)}");
        }
    }
}
