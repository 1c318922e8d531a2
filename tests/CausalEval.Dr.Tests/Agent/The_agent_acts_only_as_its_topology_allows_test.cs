using System.Net;
using System.Security.Cryptography;
using CausalEval.Dr.Adapters.Agents;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Nodes;
using CausalEval.Dr.Lab.Agents;
using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.Agent;

/// <summary>
/// The agent's token acts as root on a database host and crosses regions. The agent serves HTTPS only, on the address
/// it is told, and a client talks to it only when it presents the certificate the topology trusts for it (its pin,
/// else a chain to the topology's CA bundle naming its address): plain HTTP gets nothing; a wrong pin or another CA is
/// refused before the token is sent, as a configuration error (never retried as a hiccup). Even with the token, a job
/// works only under the node's job root, in a directory it creates, and copies from or follows only a node of the
/// topology; a value for PostgreSQL's configuration cannot smuggle in a setting; a serving node is never replaced.
/// Every refusal changes nothing.
/// </summary>
[Collection(LabCollection.Name)]
public sealed class The_agent_acts_only_as_its_topology_allows_test(LabFixture lab) : IClassFixture<LabFixture>
{
    [Fact]
    public async Task A_pinned_certificate_is_accepted_and_a_wrong_pin_another_ca_or_plain_http_gets_nothing()
    {
        var agent = lab.Agent("primary-db");
        Assert.Equal("https", agent.Url.Scheme);
        Assert.NotNull(agent.CertificateSha256);

        // Pinned (the lab's topology): it answers.
        Assert.Equal(NodeRole.Primary, (await Client(agent).StatusAsync()).Role);

        // Without the pin, through the lab's CA bundle and the certificate's address: it answers too.
        Assert.Equal(NodeRole.Primary, (await Client(agent with { CertificateSha256 = null }).StatusAsync()).Role);

        // A pin of another certificate, or only another CA: refused before any request is sent.
        var wrongPin = await Assert.ThrowsAsync<DrConfigurationException>(()
            => Client(agent with { CertificateSha256 = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)) }).StatusAsync());
        Assert.Contains("presented a certificate the DR topology does not trust", wrongPin.Message);
        var otherCa = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
        otherCa.ImportFromPem(LabCertificates.For([("primary-db", "127.0.1.1")]).CaPem);
        await Assert.ThrowsAsync<DrConfigurationException>(() => Client(agent with { CertificateSha256 = null, TrustedCas = otherCa }).StatusAsync());
        await Assert.ThrowsAsync<DrConfigurationException>(() => Client(agent with { CertificateSha256 = null, TrustedCas = [] }).StatusAsync());

        // Plain HTTP to the agent's port: no answer at all (its listener speaks TLS only).
        using var plain = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        plain.DefaultRequestHeaders.Authorization = new("Bearer", agent.Token);
        await Assert.ThrowsAsync<HttpRequestException>(()
            => plain.GetAsync(new UriBuilder(agent.Url) { Scheme = "http", Port = agent.Url.Port }.Uri + "status"));
    }

    [Fact]
    public void The_agent_binds_only_the_address_it_is_told()
    {
        var agent = lab.State.Find("agent-secondary")!;
        var port = agent.Ports[0];
        Assert.True(Adapters.Processes.Ports.IsListeningBy(agent.Pid, agent.Address, port));
        // Not every interface: the same port on another loopback address is free, so nothing listens there.
        Assert.False(Adapters.Processes.Ports.IsListening("127.0.0.1", port));
        Assert.Equal([port], Adapters.Processes.Ports.ListeningPortsOf(agent.Pid, agent.Address));
        Assert.Empty(Adapters.Processes.Ports.ListeningPortsOf(agent.Pid, IPAddress.Loopback.ToString()));
    }

    [Fact]
    public async Task A_job_outside_the_job_root_into_an_existing_folder_or_from_a_rogue_server_is_refused_and_changes_nothing()
    {
        using var agents = lab.Agents();
        var standby = agents.For("secondary-db");
        var standbyData = lab.State.Find("postgres-standby")!.DataDirectory!;
        var jobRoot = Path.GetDirectoryName(standbyData)!;
        var primary = lab.State.Find("postgres-primary")!;

        // Any empty folder elsewhere (it used to be chmodded 0700, given to postgres, and deleted when the restore failed).
        var elsewhere = RepoPaths.NewTempDirectory("not-a-job-root");
        var before = (File.GetUnixFileMode(elsewhere), Adapters.Processes.UnixFiles.StatusOf(elsewhere)!.Uid);
        var outside = await Assert.ThrowsAsync<BadInputException>(() =>
            standby.StartJobAsync("outside", new AgentJobRequest(AgentJob.RestoreKind, "any-backup", elsewhere)));
        Assert.Contains($"is outside this node's job root {jobRoot}", outside.Message);
        Assert.Equal(before, (File.GetUnixFileMode(elsewhere), Adapters.Processes.UnixFiles.StatusOf(elsewhere)!.Uid));

        // A folder that exists under the job root (even empty): a job works only in one it creates.
        var existing = Directory.CreateDirectory(Path.Combine(jobRoot, "already-here")).FullName;
        Assert.Contains("exists: a job restores only into a new directory", (await Assert.ThrowsAsync<BadInputException>(() =>
            standby.StartJobAsync("existing",
                new AgentJobRequest(AgentJob.ReseedKind, DataDirectory: existing, FromHost: primary.Address, FromPort: primary.Ports[0])))).Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(existing));

        // A server the topology does not name: never copied from, never followed.
        var rogue = await Assert.ThrowsAsync<BadInputException>(() => standby.StartJobAsync("rogue",
            new AgentJobRequest(AgentJob.ReseedKind, DataDirectory: Path.Combine(jobRoot, "from-rogue"), FromHost: "127.0.0.9", FromPort: 5432)));
        Assert.Contains("fromHost: 127.0.0.9:5432 is not a database node of the DR topology", rogue.Message);
        Assert.False(Directory.Exists(Path.Combine(jobRoot, "from-rogue")));
        await Assert.ThrowsAsync<BadInputException>(() => standby.JobAsync("rogue")); // no job was made

        // A primary host that would end primary_conninfo and add a restore_command line: refused, the settings untouched.
        var autoConf = Path.Combine(standbyData, "postgresql.auto.conf");
        var settings = await File.ReadAllTextAsync(autoConf);
        var injected = await Assert.ThrowsAsync<BadInputException>(() =>
            standby.DemoteAsync(new DemoteRequest($"{primary.Address}'\nrestore_command = 'touch /tmp/owned", primary.Ports[0])));
        Assert.Contains("is not a database node of the DR topology", injected.Message);
        Assert.Equal(settings, await File.ReadAllTextAsync(autoConf));

        // The serving node (no move yet: the primary region's) is never replaced by a copy of another.
        var serving = await Assert.ThrowsAsync<SafetyCheckRefusedException>(() => agents.For("primary-db").StartJobAsync("rebuild-serving",
            new AgentJobRequest(AgentJob.RebuildKind, FromHost: lab.State.Find("postgres-standby")!.Address, FromPort: primary.Ports[0])));
        Assert.Contains("the DR state names this node (primary-db) the serving primary", serving.Message);
        Assert.True((await agents.For("primary-db").StatusAsync()).Writable);
    }

    [Fact]
    public async Task A_request_with_a_field_the_agent_does_not_know_or_over_a_mebibyte_is_refused()
    {
        var agent = lab.Agent("secondary-db");
        using var http = new HttpClient(AgentCertificates.HandlerFor(agent)) { BaseAddress = agent.Url };
        http.DefaultRequestHeaders.Authorization = new("Bearer", agent.Token);

        using var typo = await http.PutAsync("/jobs/typo", new StringContent("""{"kind": "restore", "backupId": "b", "dataDirectry": "/x"}""",
            System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, typo.StatusCode);
        Assert.Contains("dataDirectry", await typo.Content.ReadAsStringAsync());
        // Expect: 100-continue: the agent answers before the body is sent (else its 413 races the client still sending).
        using var huge = await http.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/fence")
        {
            Content = new StringContent($$"""{"reason": "{{new string('x', (1 << 20) + 1)}}"}""", System.Text.Encoding.UTF8, "application/json"),
            Headers = { ExpectContinue = true },
        });
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.StatusCode);
        Assert.False((await new NodeAgentClient(http, "secondary-db", agent.Url, agent.Token).StatusAsync()).Fenced);
    }

    private static NodeAgentClient Client(AgentEndpoint agent) =>
        new(new HttpClient(AgentCertificates.HandlerFor(agent)) { Timeout = TimeSpan.FromSeconds(20) }, agent.Node.Name, agent.Url, agent.Token);
}
