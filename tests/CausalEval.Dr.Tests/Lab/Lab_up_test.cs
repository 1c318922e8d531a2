using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CausalEval.Dr.Lab;
using CausalEval.Dr.Lab.Postgres;
using CausalEval.Dr.Tests.Fixtures;
using Npgsql;
using StackExchange.Redis;

namespace CausalEval.Dr.Tests.Lab;

/// <summary>One lab for these tests: every service real, on loopback, as `dr lab up` starts it.</summary>
[Collection(LabCollection.Name)]
public sealed class Lab_up_test(Lab_up_test.Lab lab) : IClassFixture<Lab_up_test.Lab>
{
    public sealed class Lab : IAsyncLifetime
    {
        public LabFixture Fixture { get; } = new();

        public Task InitializeAsync() => Fixture.InitializeAsync();

        public Task DisposeAsync() => Fixture.DisposeAsync();
    }

    private LabState State => lab.Fixture.State;

    private LabProcess Process(string name) => State.Find(name) ?? throw new InvalidOperationException($"no {name} in the lab");

    private NpgsqlConnection Connect(LabProcess postgres) => new(State.ConnectionString(postgres.Address, postgres.Ports[0]));

    [Fact]
    public void The_labs_keys_and_state_are_readable_by_their_owner_alone_and_postgres_owns_none_of_it()
    {
        var folder = lab.Fixture.LabDirectory;
        var owner600 = (UnixFileMode)Convert.ToInt32("600", 8);
        foreach (var file in new[] { Path.Combine(folder, "dr.settings.json"), Path.Combine(folder, "lab.json"), Path.Combine(folder, "postgres.password"),
                     Path.Combine(folder, "run", "dns", "pdns.conf") })
        {
            Assert.True(CausalEval.Dr.Adapters.Processes.UnixFiles.StatusOf(file)!.Mode == owner600, $"{file} is not 0600");
        }

        Assert.Equal(0u,
            CausalEval.Dr.Adapters.Processes.UnixFiles.StatusOf(folder)!.Uid); // not PostgreSQL's user: it cannot replace the lab's state or settings
    }

    [Fact]
    public async Task Standby_streams_from_the_primary_and_sees_its_commits()
    {
        var replication = (await LabStatus.ReplicationAsync(State, lab.Fixture.LabDirectory)).AsArray();
        var standby = Assert.Single(replication)!;
        Assert.Equal("secondary", standby["applicationName"]!.GetValue<string>());
        Assert.Equal("streaming", standby["state"]!.GetValue<string>());

        var marker = $"replication-check-{Guid.NewGuid():N}";
        await using (var primary = Connect(Process("postgres-primary")))
        {
            await primary.OpenAsync();
            await using var insert = new NpgsqlCommand("INSERT INTO evaluations (client_id, payload) VALUES ($1, '{}')",
                primary) { Parameters = { new() { Value = marker } } };
            await insert.ExecuteNonQueryAsync();
        }

        await using var replica = Connect(Process("postgres-standby"));
        await replica.OpenAsync();
        await using var inRecovery = new NpgsqlCommand("SELECT pg_is_in_recovery()", replica);
        Assert.True((bool)(await inRecovery.ExecuteScalarAsync())!);
        await Eventually(async () =>
        {
            await using var count = new NpgsqlCommand("SELECT count(*) FROM evaluations WHERE client_id = $1",
                replica) { Parameters = { new() { Value = marker } } };
            return (long)(await count.ExecuteScalarAsync())! == 1;
        }, "the committed row never reached the standby");
    }

    [Fact]
    public async Task Dns_answers_api_and_db_with_the_primary_region()
    {
        var dns = Process("dns");
        var primaryWorkloads = State.Processes.Where(p => p.Kind == "workload" && p.Region == "primary").Select(p => p.Address).Order().ToList();
        Assert.Equal(2, primaryWorkloads.Count);
        Assert.Equal(primaryWorkloads, await LabStatus.ResolveAsync(dns.Address, dns.Ports[0], $"api.{State.Zone}"));
        Assert.Equal([Process("postgres-primary").Address], await LabStatus.ResolveAsync(dns.Address, dns.Ports[0], $"db.{State.Zone}"));
    }

    [Fact]
    public async Task Workload_is_healthy_and_acknowledges_writes_after_commit()
    {
        var workload = Process("workload-primary-1");
        using var http = new HttpClient { BaseAddress = new Uri($"http://{workload.Address}:{workload.Ports[0]}") };
        var health = await http.GetFromJsonAsync<JsonObject>("/health");
        Assert.Equal("healthy", health!["status"]!.GetValue<string>());
        Assert.Equal("writable", health["database"]!.GetValue<string>());

        using var response = await http.PostAsJsonAsync("/evaluations", new { clientId = "workload-test", payload = new { x = 1 } });
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        var id = (await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<long>();

        await using var primary = Connect(Process("postgres-primary"));
        await primary.OpenAsync();
        await using var read = new NpgsqlCommand("SELECT client_id FROM evaluations WHERE id = $1", primary) { Parameters = { new() { Value = id } } };
        Assert.Equal("workload-test", await read.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Redis_replica_follows_the_master()
    {
        var (master, replica) = (Process("redis-master"), Process("redis-replica"));
        await using var masterConnection = await ConnectionMultiplexer.ConnectAsync($"{master.Address}:{master.Ports[0]}");
        await using var replicaConnection = await ConnectionMultiplexer.ConnectAsync($"{replica.Address}:{replica.Ports[0]},allowAdmin=true");
        var key = $"follow-{Guid.NewGuid():N}";
        await masterConnection.GetDatabase().StringSetAsync(key, "from-master");
        await Eventually(async () => await replicaConnection.GetDatabase().StringGetAsync(key) == "from-master", "the replica never got the key");
        var role = await replicaConnection.GetServer(replica.Address, replica.Ports[0]).RoleAsync();
        Assert.IsType<Role.Replica>(role);
    }

    [Fact]
    public async Task Load_generator_ledger_matches_the_database_exactly()
    {
        var ledgerFile = Path.Combine(lab.Fixture.StateDirectory, "ledger.jsonl");
        var load = await lab.Fixture.RunAsync("lab", "load", "--rate", "40", "--duration", "3", "--ledger", ledgerFile);
        Assert.True(load.ExitCode == 0, load.Stderr + load.Stdout);

        var entries = File.ReadAllLines(ledgerFile).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(120, entries.Count);
        var runId = entries[0]["run"]!.GetValue<string>();
        var acknowledged = entries.Where(e => e["ok"]!.GetValue<bool>()).Select(e => e["id"]!.GetValue<long>()).Order().ToList();
        Assert.Equal(120, acknowledged.Count);
        Assert.All(entries, e => Assert.Equal("primary", e["region"]!.GetValue<string>()));
        // api. has both primary instances and every request resolves again: both must have served.
        Assert.Equal(2, entries.Select(e => e["instance"]!.GetValue<string>()).Distinct().Count());

        await using var primary = Connect(Process("postgres-primary"));
        await primary.OpenAsync();
        await using var rows = new NpgsqlCommand("SELECT id FROM evaluations WHERE client_id LIKE $1 ORDER BY id",
            primary) { Parameters = { new() { Value = runId + "/%" } } };
        var inDatabase = new List<long>();
        await using (var reader = await rows.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                inDatabase.Add(reader.GetInt64(0));
            }
        }

        Assert.Equal(acknowledged, inDatabase);
    }

    [Fact]
    public async Task Primary_archives_wal_with_dr_wal_push()
    {
        var primary = Process("postgres-primary");
        await using var connection = Connect(primary);
        await connection.OpenAsync();
        await using var walSwitch = new NpgsqlCommand("SELECT pg_walfile_name(pg_switch_wal())", connection);
        var segment = (string)(await walSwitch.ExecuteScalarAsync())!;
        var run = Path.Combine(lab.Fixture.LabDirectory, "run");
        await Eventually(() => Task.FromResult(File.Exists(Path.Combine(run, "backups", "wal", segment + ".zst"))), $"{segment} never reached the archive");

        var fetched = Path.Combine(lab.Fixture.StateDirectory, segment);
        var fetch = await lab.Fixture.RunAsync("wal", "fetch", segment, fetched, "--settings", Path.Combine(run, "wal-archive.json"));
        Assert.True(fetch.ExitCode == 0, fetch.Stderr);
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(primary.DataDirectory!, "pg_wal", segment)), await File.ReadAllBytesAsync(fetched));

        // Archive lag is measurable: the archiver reports the segment, no failures.
        await Eventually(async () => (await LabStatus.ArchivingAsync(State, lab.Fixture.LabDirectory))["lastArchivedWal"]?.GetValue<string>() is { } last
            && string.CompareOrdinal(last, segment) >= 0, "pg_stat_archiver never reported the segment");
        var archiving = await LabStatus.ArchivingAsync(State, lab.Fixture.LabDirectory);
        Assert.Equal(0, archiving["failedCount"]!.GetValue<long>());
        Assert.NotNull(archiving["secondsSinceLastArchive"]);
    }

    private static async Task Eventually(Func<Task<bool>> condition, string failure)
    {
        for (var i = 0; i < 100; i++)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail(failure);
    }
}
