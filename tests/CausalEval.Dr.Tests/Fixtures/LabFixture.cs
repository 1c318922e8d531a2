using CausalEval.Dr.Adapters.Agents;
using CausalEval.Dr.Core.Topology;
using CausalEval.Dr.Local.Hosting;
using CausalEval.Dr.Lab;

namespace CausalEval.Dr.Tests.Fixtures;

/// <summary>A lab brought up by the real `dr lab up` in its own state directory, taken down at the end.</summary>
public sealed class LabFixture : IAsyncLifetime
{
    private readonly string? topology;

    public LabFixture()
    {
    }

    private LabFixture(string? topology) => this.topology = topology;

    /// <param name="topology">A lab topology file (default: the embedded one).</param>
    public static LabFixture WithTopology(string? topology) => new(topology);

    public string StateDirectory { get; } = RepoPaths.NewTempDirectory("lab");

    public string LabDirectory => Path.Combine(StateDirectory, "lab");

    public LabState State { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var up = await (topology is null ? RunAsync("lab", "up") : RunAsync("lab", "up", "--topology", topology));
        Assert.True(up.ExitCode == 0, $"dr lab up failed:\n{up.Stderr}\n{up.Stdout}");
        State = LabState.Load(LabDirectory) ?? throw new InvalidOperationException("lab.json missing after dr lab up");
    }

    public async Task DisposeAsync() => await RunAsync("lab", "down");

    public Task<DrEnvironment.CliResult> RunAsync(params string[] args) => RunDrAsync(StateDirectory, args);

    /// <summary>The lab's node agents, through the client the activities use, with the lab's own settings.</summary>
    public NodeAgents Agents()
    {
        var configuration = Configuration();
        return new NodeAgents(TopologyValidator.Load(configuration), configuration);
    }

    /// <summary>The lab's topology, as its hosts read it.</summary>
    public TopologyOptions Topology() => TopologyValidator.Load(Configuration());

    /// <summary>A lab node's agent as the topology declares it: its URL, token and the certificate its clients trust.</summary>
    public AgentEndpoint Agent(string node)
    {
        var configuration = Configuration();
        return AgentEndpoint.Resolve(TopologyValidator.Load(configuration), configuration, node);
    }

    /// <summary>A lab node's connection string (as the `postgres` superuser), by node name ("primary-db").</summary>
    public string ConnectionString(string node, string database = "causal_eval")
    {
        var found = Topology().FindNode(node)?.Node ?? throw new ArgumentException($"no node {node} in the lab");
        return State.ConnectionString(found.Host, found.Port, database);
    }

    /// <summary>The settings the lab's hosts read (the embedded defaults and the lab's own).</summary>
    private Microsoft.Extensions.Configuration.IConfiguration Configuration() => LocalConfiguration.Build(null, new StateDirectory(StateDirectory));

    public static Task<DrEnvironment.CliResult> RunDrAsync(string stateDirectory, params string[] args) =>
        DrEnvironment.RunToEndAsync(DrEnvironment.DrStartInfo([.. args, "--state-dir", stateDirectory]));
}
