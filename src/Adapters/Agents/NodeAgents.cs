using CausalEval.Dr.Core.Topology;
using Microsoft.Extensions.Configuration;

namespace CausalEval.Dr.Adapters.Agents;

/// <summary>
/// The agent of each database node, as the DR topology declares it; its token is resolved here, from the
/// "Secrets" section, and never leaves the process (activities get a node's name, not its credentials).
/// </summary>
public sealed class NodeAgents(TopologyOptions topology, IConfiguration configuration) : IDisposable
{
    // A promotion waits for the server to accept writes (up to a minute); anything longer is a stuck agent.
    private readonly HttpClient http = new() { Timeout = TimeSpan.FromSeconds(90) };

    public NodeAgentClient For(string node)
    {
        var agent = AgentEndpoint.Resolve(topology, configuration, node);
        return new NodeAgentClient(http, agent.Node.Name, agent.Url, agent.Token);
    }

    public void Dispose() => http.Dispose();
}
