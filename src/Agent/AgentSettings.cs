using System.Net;
using System.Security.Cryptography.X509Certificates;
using CausalEval.Dr.Adapters.Agents;
using CausalEval.Dr.Adapters.Postgres;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Storage;
using CausalEval.Dr.Core.Topology;
using Microsoft.Extensions.Configuration;

namespace CausalEval.Dr.Agent;

/// <summary>A database node of the topology as the agent knows it: the only hosts a job may copy from or a standby follow.</summary>
public sealed record TopologyNode(string Name, string Host, int Port);

/// <summary>What one agent serves: its node (from the DR topology), the data directory on this host, its token.</summary>
/// <param name="Listen">The address the agent binds: told explicitly (<c>--listen</c>, <c>Agent:Listen</c>), or its URL's host when that is an address; never
/// every interface by default.</param>
/// <param name="Certificate">The agent's TLS certificate and key (from its node's <c>CertificateSecret</c>).</param>
/// <param name="StateDirectory">Where the agent keeps its jobs, so a restarted agent knows what it did.</param>
/// <param name="Store">The backup store restore jobs read from.</param>
/// <param name="RestoreCommand">PostgreSQL's restore_command on this host for recover jobs (<c>Recovery:RestoreCommand</c>, with %f and %p).</param>
/// <param name="RaiseReplayPriority">Whether a recover job's replay runs at a raised CPU priority (<c>Recovery:RaiseReplayPriority</c>,
/// default true; see <see cref="ReplayPriority"/>): false on a host whose serving cluster must never yield a core to a recovery beside it.</param>
public sealed record AgentSettings(
    string Node,
    string Host,
    int Port,
    IPEndPoint Listen,
    string Token,
    X509Certificate2 Certificate,
    string DataDirectory,
    string BinDirectory,
    string StateDirectory,
    StorageOptions Store,
    bool StartPostgres = false,
    string? RestoreCommand = null,
    bool RaiseReplayPriority = true)
{
    /// <summary>Every database node of the topology: a job copies from, and a standby follows, one of these and nothing else.</summary>
    public IReadOnlyList<TopologyNode> Nodes { get; init; } = [];

    /// <summary>The topology's primary region's node: the serving one while the DR state names none.</summary>
    public string? PrimaryByRole { get; init; }

    /// <summary>
    /// The database user's password (<c>Database:PasswordSecret</c>), for the agent's own connections, the tools it runs
    /// (in their environment alone) and the primary_conninfo it writes; null where pg_hba needs none.
    /// </summary>
    public string? DatabasePassword { get; init; }

    /// <summary>
    /// The folder every job directory lies under (<c>Agent:JobRoot</c>; default: the one holding the data directory, so
    /// a recovered copy is renamed into place on the same file system). Nothing outside it is ever created or removed.
    /// </summary>
    public string JobRoot { get; init; } = Path.GetDirectoryName(Path.GetFullPath(DataDirectory).TrimEnd('/'))!;

    /// <summary>
    /// The agent's own runtime folder (<c>Agent:RuntimeDirectory</c>): its WAL socket and the spools restore_command reads,
    /// owned by the agent, readable by PostgreSQL's group, writable by no one else (see <see cref="Wal.AgentRuntimeDirectory"/>).
    /// </summary>
    public string RuntimeDirectory { get; init; } = Wal.AgentRuntimeDirectory.Default;

    /// <summary>
    /// The agent of <paramref name="node"/> as the topology declares it (address, port, agent URL, token and certificate
    /// secrets); refuses to start without a token or a certificate: an agent that acts on a database answers only its owner, over TLS.
    /// </summary>
    /// <param name="listen">"address:port" to bind (null: <c>Agent:Listen</c>, else the URL's host when it is an address).</param>
    public static AgentSettings For(IConfiguration configuration, string node, string dataDirectory, string stateDirectory, string? listen = null)
    {
        var topology = TopologyValidator.Load(configuration);
        var agent = AgentEndpoint.Resolve(topology, configuration, node);
        if (!Path.IsPathFullyQualified(dataDirectory))
        {
            throw new BadInputException($"--data-dir '{dataDirectory}' must be an absolute path");
        }

        var secret = agent.Node.Agent!.CertificateSecret;
        var certificate = configuration[$"Secrets:{secret}"] is { Length: > 0 } pem
            ? AgentCertificates.FromPem(pem, $"Secrets:{secret}")
            : throw new DrConfigurationException($"Secrets:{secret} is not set (the certificate and key the agent of '{agent.Node.Name}' serves over TLS)");
        var database = DatabaseOptions.From(configuration);
        var bin = database.BinDirectory;
        var store = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        var settings = new AgentSettings(agent.Node.Name, agent.Node.Host, agent.Node.Port, ListenOf(listen ?? configuration["Agent:Listen"], agent.Url),
            agent.Token,
            certificate, Path.GetFullPath(dataDirectory), bin, Path.Combine(stateDirectory, "agents", agent.Node.Name), store,
            RestoreCommand: configuration["Recovery:RestoreCommand"], RaiseReplayPriority: configuration.GetValue("Recovery:RaiseReplayPriority", true))
        {
            Nodes = topology.Nodes.Select(n => new TopologyNode(n.Node.Name, n.Node.Host, n.Node.Port)).ToList(),
            PrimaryByRole = topology.PrimaryByRole().Node,
            DatabasePassword = database.Password,
        };
        if (configuration["Agent:JobRoot"] is { Length: > 0 } jobRoot)
        {
            settings = settings with { JobRoot = Path.IsPathFullyQualified(jobRoot) ? Path.GetFullPath(jobRoot).TrimEnd('/')
                : throw new DrConfigurationException($"Agent:JobRoot: '{jobRoot}' must be an absolute path") };
        }

        return configuration["Agent:RuntimeDirectory"] is { Length: > 0 } runtime
            ? settings with { RuntimeDirectory = Path.IsPathFullyQualified(runtime) ? Path.GetFullPath(runtime).TrimEnd('/')
                : throw new DrConfigurationException($"Agent:RuntimeDirectory: '{runtime}' must be an absolute path") }
            : settings;
    }

    /// <summary>The node named by a job's host and port, or a refusal: a rogue server is never copied from nor followed.</summary>
    public TopologyNode NodeAt(string? host, int? port, string field)
    {
        var found = Nodes.FirstOrDefault(n => string.Equals(n.Host, host, StringComparison.OrdinalIgnoreCase) && n.Port == port)
            ?? throw new BadInputException($"{field}: {host}:{port} is not a database node of the DR topology (nodes: {string.Join(", ",
                Nodes.Select(n => $"{n.Name} {n.Host}:{n.Port}"))})");
        return found.Name == Node ? throw new BadInputException($"{field}: {host}:{port} is this node ({Node}) itself") : found;
    }

    private static IPEndPoint ListenOf(string? listen, Uri url)
    {
        if (listen is { Length: > 0 })
        {
            return IPEndPoint.TryParse(listen, out var endpoint) && endpoint.Port > 0 ? endpoint
                : throw new DrConfigurationException($"Agent:Listen: '{listen}' is not address:port");
        }

        return IPAddress.TryParse(url.Host, out var address)
            ? new IPEndPoint(address, url.Port)
            : throw new DrConfigurationException($"the agent's URL names a host ({url.Host}), not an address: say which address it binds with --listen or " +
                $"Agent:Listen (it never binds every interface by default)");
    }
}
