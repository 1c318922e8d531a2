using CausalEval.Dr.Core.Errors;
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
        if (topology.FindNode(node) is not { } found)
        {
            throw new BadInputException($"node: no database node named '{node}' in the DR topology (nodes: {string.Join(", ", topology.Nodes.Select(n => n.Node.Name))})");
        }

        if (found.Node.Agent is not { } agent)
        {
            throw new DrConfigurationException($"{TopologyOptions.Section}: node '{found.Node.Name}' declares no agent, so no step can act on it");
        }

        var token = configuration[$"Secrets:{agent.TokenSecret}"];
        return string.IsNullOrWhiteSpace(token)
            ? throw new DrConfigurationException($"Secrets:{agent.TokenSecret} is not set (the token of the agent of '{found.Node.Name}')")
            : new NodeAgentClient(http, found.Node.Name, new Uri(agent.Url), token);
    }

    public void Dispose() => http.Dispose();
}
