using CausalEval.Dr.Adapters.Agents;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Nodes;
using CausalEval.Dr.Lab;
using CausalEval.Dr.Lab.Postgres;
using CausalEval.Dr.Tests.Fixtures;
using Npgsql;

namespace CausalEval.Dr.Tests.Agent;

/// <summary>
/// The node agents of a real lab, through the same client the activities use: status of both nodes; a fence
/// that stops writes on open and new connections and survives a restart; a promotion that makes the standby
/// writable once; every call repeatable; no token, no answer.
/// </summary>
[Collection(LabCollection.Name)]
public sealed class Node_agent_test(LabFixture lab) : IClassFixture<LabFixture>, IDisposable
{
    private readonly NodeAgents agents = lab.Agents();

    private LabState State => lab.State;

    private string Database(string process) => State.ConnectionString(State.Find(process)!.Address, State.Ports["postgres"]);

    [Fact]
    public async Task Without_the_token_nothing_answers_and_an_unknown_job_is_404()
    {
        var endpoint = lab.Agent("primary-db");
        using var http = new HttpClient(AgentCertificates.HandlerFor(endpoint)) { BaseAddress = endpoint.Url };
        foreach (var (method, path) in new[] { (HttpMethod.Get, "/status"), (HttpMethod.Post, "/fence"), (HttpMethod.Post, "/promote"),
            (HttpMethod.Get, "/jobs/x") })
        {
            using var anonymous = await http.SendAsync(new HttpRequestMessage(method, path));
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, anonymous.StatusCode);
            using var wrong = await http.SendAsync(new HttpRequestMessage(method, path) { Headers = { { "Authorization", "Bearer not-the-token" } } });
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        var primary = agents.For("primary-db");
        var unknown = await Assert.ThrowsAsync<BadInputException>(() => primary.JobAsync("no-such-job"));
        Assert.Contains("404 no job 'no-such-job'", unknown.Message);
        var badKind = await Assert.ThrowsAsync<BadInputException>(() => primary.StartJobAsync("j1", new AgentJobRequest("teleport")));
        Assert.Contains("'teleport' is not a job kind", badKind.Message);
        Assert.Contains("the node's live data directory", (await Assert.ThrowsAsync<SafetyCheckRefusedException>(() =>
            primary.StartJobAsync("j2", new AgentJobRequest(AgentJob.RestoreKind, "any", State.Find("postgres-primary")!.DataDirectory)))).Message);
        await Assert.ThrowsAsync<BadInputException>(() => primary.JobAsync("j1")); // a refused start left no job
        Assert.Contains("'sideways' is not a stop mode", (await Assert.ThrowsAsync<BadInputException>(() => primary.StopAsync("sideways"))).Message);
        Assert.True((await primary.StatusAsync()).Running); // a refused stop stopped nothing
    }

    [Fact]
    public async Task Fence_stops_every_write_and_survives_a_restart_and_promote_makes_the_standby_writable_once()
    {
        var primary = agents.For("primary-db");
        var standby = agents.For("secondary-db");

        var before = await primary.StatusAsync();
        Assert.Equal((NodeRole.Primary, true, false, 1), (before.Role, before.Writable, before.Fenced, before.Timeline));
        Assert.Equal("streaming", Assert.Single(before.Replicas).State);
        Assert.Matches("^[0-9A-F]+/[0-9A-F]+$", before.CurrentLsn!);
        var replica = await standby.StatusAsync();
        Assert.Equal((NodeRole.Standby, false, 1), (replica.Role, replica.Writable, replica.Timeline));
        Assert.Equal("streaming", replica.Upstream!.Status);
        Assert.NotNull(replica.ReplayLsn);

        // Demote is a re-join: a standby that already follows this primary is left as it is; a request without a primary is refused.
        var primaryNode = State.Find("postgres-primary")!;
        var rejoined = await standby.DemoteAsync(new DemoteRequest(replica.Upstream.SenderHost!, replica.Upstream.SenderPort!.Value));
        Assert.Equal((NodeRole.Standby, "streaming"), (rejoined.Role, rejoined.Upstream!.Status));
        Assert.Contains("primaryHost and primaryPort",
            (await Assert.ThrowsAsync<BadInputException>(() => standby.DemoteAsync(new DemoteRequest("", 0)))).Message);
        Assert.Equal(primaryNode.Address, replica.Upstream.SenderHost);

        // A connection that is already open when the fence comes.
        await using var open = new NpgsqlConnection(Database("postgres-primary"));
        await open.OpenAsync();
        await InsertAsync(open, "before-fence");

        var fenced = await primary.FenceAsync(new FenceRequest("test", "Node_agent_test"));
        Assert.Equal((NodeRole.Stopped, false, true, false), (fenced.Role, fenced.Running, fenced.Fenced, fenced.Writable));
        await Assert.ThrowsAnyAsync<Exception>(() => InsertAsync(open, "through-the-open-connection"));
        await Assert.ThrowsAnyAsync<NpgsqlException>(async () =>
        {
            await using var fresh = new NpgsqlConnection(Database("postgres-primary"));
            await fresh.OpenAsync();
        });
        var refenced = await primary.FenceAsync(new FenceRequest("again")); // repeat: same outcome
        Assert.Equal((fenced.Role, fenced.Running, fenced.Fenced), (refenced.Role, refenced.Running, refenced.Fenced));

        var restarted = await primary.StartAsync();
        Assert.Equal((NodeRole.Standby, true, false, true), (restarted.Role, restarted.Running, restarted.Writable, restarted.Fenced));
        await using (var afterRestart = new NpgsqlConnection(Database("postgres-primary")))
        {
            await afterRestart.OpenAsync();
            var readOnly = await Assert.ThrowsAsync<PostgresException>(() => InsertAsync(afterRestart, "after-restart"));
            Assert.Equal("25006", readOnly.SqlState); // read_only_sql_transaction
        }

        Assert.Equal(restarted.Role, (await primary.StartAsync()).Role); // repeat: same outcome
        Assert.Contains("is fenced", (await Assert.ThrowsAsync<SafetyCheckRefusedException>(() => primary.PromoteAsync())).Message);

        var promoted = await standby.PromoteAsync();
        Assert.Equal((NodeRole.Primary, true, 2), (promoted.Role, promoted.Writable, promoted.Timeline));
        await using (var newPrimary = new NpgsqlConnection(Database("postgres-standby")))
        {
            await newPrimary.OpenAsync();
            await InsertAsync(newPrimary, "after-promotion");
        }

        var again = await standby.PromoteAsync();
        Assert.Equal((NodeRole.Primary, 2), (again.Role, again.Timeline)); // promoted once: still timeline 2
    }

    public void Dispose() => agents.Dispose();

    private static async Task InsertAsync(NpgsqlConnection connection, string client)
    {
        await using var insert = new NpgsqlCommand("INSERT INTO evaluations (client_id, payload) VALUES ($1, '{}')",
            connection) { Parameters = { new() { Value = client } } };
        await insert.ExecuteNonQueryAsync();
    }
}
