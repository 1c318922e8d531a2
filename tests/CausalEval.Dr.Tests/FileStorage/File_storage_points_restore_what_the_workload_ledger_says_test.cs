using System.Security.Cryptography;
using System.Text.Json.Nodes;
using CausalEval.Dr.Adapters.FileStorage;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Lab;
using CausalEval.Dr.Lab.Load;
using CausalEval.Dr.Tests.Fixtures;
using Npgsql;

namespace CausalEval.Dr.Tests.FileStorage;

/// <summary>
/// The lab's workload writes an artifact per evaluation into the serving region's file store, overwrites and deletes some,
/// and keeps its own ledger of every operation (when sent, when done). Under that load `dr backup run file-storage` takes three
/// points; `dr restore files` rebuilds each into a container of its own, and each holds exactly what the ledger says the store
/// held when the point was taken: every object whose operations all finished before the point began, with its bytes, and
/// nothing the store did not hold. (An object written while the point's listing ran may be either version, as the store was.)
/// </summary>
public sealed class File_storage_points_restore_what_the_workload_ledger_says_test(LabFixture lab) : IClassFixture<LabFixture>
{
    [Fact]
    public async Task Three_points_restore_exactly_the_ledgers_objects_of_their_time()
    {
        var dns = lab.State.Find("dns")!;
        using var stopLoad = new CancellationTokenSource();
        var load = new LoadGenerator(dns.Address, dns.Ports[0], lab.State.Zone, lab.State.Ports["workload"])
            .RunAsync(20, TimeSpan.FromMinutes(5), Path.Combine(lab.StateDirectory, "files-load.jsonl"), stopLoad.Token);
        var points = new List<JsonNode>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                await Task.Delay(TimeSpan.FromSeconds(2));
                var run = await lab.RunAsync("backup", "run", "file-storage", "--json");
                Assert.True(run.ExitCode == 0, $"backup {i + 1} failed:\n{run.Stdout}\n{run.Stderr}");
                points.Add(run.Json["output"]!["point"]!);
            }
        }
        finally
        {
            await stopLoad.CancelAsync();
            await load;
        }

        Assert.True(points[2]["objects"]!.GetValue<long>() > points[0]["objects"]!.GetValue<long>(), "the store did not grow under load");
        Assert.True(points.Skip(1).All(p => p["copiedObjects"]!.GetValue<long>() < p["objects"]!.GetValue<long>()), "a later run copied everything again");
        var ledger = await LedgerAsync();
        Assert.Contains(ledger, o => o.Op == "delete" && o.DoneAt is not null);
        Assert.True(ledger.GroupBy(o => o.Key).Any(g => g.Count(o => o.Op == "put" && o.DoneAt is not null) > 1), "no object was overwritten");

        var listed = (await lab.RunAsync("backup", "list", "--json")).Json.AsArray().Where(r => r!["kind"]!.GetValue<string>() == "file-storage").ToList();
        var files = lab.Topology().Regions["secondary"].Files!;
        for (var i = 0; i < points.Count; i++)
        {
            var id = points[i]["id"]!.GetValue<string>();
            var row = listed.Single(r => r!["id"]!.GetValue<string>() == id)!;
            var (from, to) = (row["takenAt"]!.GetValue<DateTimeOffset>(), row["completedAt"]!.GetValue<DateTimeOffset>());
            var restore = await lab.RunAsync("restore", "files", "--at", id, "--to", $"secondary/point-{i + 1}", "--json");
            Assert.True(restore.ExitCode == 0, $"restore of {id} failed:\n{restore.Stdout}\n{restore.Stderr}");

            var restored = await ReadAllAsync(new S3FileStore(S3ObjectStore.CreateClient(files.S3.ServiceUrl, "S3RVER", "S3RVER"), $"point-{i + 1}"));
            var (exact, either) = (0, 0);
            foreach (var key in ledger.Select(o => o.Key).Concat(restored.Keys).Distinct())
            {
                var ops = ledger.Where(o => o.Key == key).ToList();
                var settled = ops.All(o => o.DoneAt is { } done && done < from || o.At > to)
                    && ops.Where(o => o.At <= to).OrderBy(o => o.DoneAt).Zip(ops.Where(o => o.At <= to).OrderBy(o => o.DoneAt).Skip(1))
                        .All(pair => pair.First.DoneAt < pair.Second.At); // no two before the point overlapped: their order is known
                var got = restored.GetValueOrDefault(key);
                if (settled)
                {
                    var last = ops.Where(o => o.At <= to).MaxBy(o => o.DoneAt);
                    var says = last is null ? "never written" : $"{last.Op} {last.Sha256}";
                    Assert.True((last?.Op == "put" ? last.Sha256 : null) == got,
                        $"point {i + 1} ({id}): {key} restored as {got ?? "absent"}, the ledger says {says}");
                    exact++;
                }
                else
                {
                    Assert.True(got is null || ops.Any(o => o.Sha256 == got), $"point {i + 1}: {key} restored with bytes the workload never wrote");
                    either++;
                }
            }

            // Settled objects are checked exactly; the rest only for bytes the workload wrote. A slow run (a busy machine) widens the
            // window a point's listing takes, and with it the share in flight: half still proves the point.
            Assert.True(exact >= 100 && exact > either, $"point {i + 1}: {exact} objects settled, {either} in flight: too few to prove anything");
        }
    }

    private sealed record LedgerOp(string Key, string Op, string? Sha256, DateTimeOffset At, DateTimeOffset? DoneAt);

    private async Task<List<LedgerOp>> LedgerAsync()
    {
        var ops = new List<LedgerOp>();
        await using var connection = new NpgsqlConnection(lab.ConnectionString("primary-db"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT key, op, sha256, at, done_at FROM artifact_writes ORDER BY seq", connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ops.Add(new LedgerOp(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.GetFieldValue<DateTimeOffset>(3), reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4)));
        }

        return ops;
    }

    private static async Task<Dictionary<string, string>> ReadAllAsync(IFileStore store)
    {
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        await foreach (var o in store.ListAllAsync())
        {
            await using var body = (await store.OpenReadAsync(o.Key))!;
            using var bytes = new MemoryStream();
            await body.CopyToAsync(bytes);
            found[o.Key] = Convert.ToHexStringLower(SHA256.HashData(bytes.ToArray()));
        }

        return found;
    }
}
