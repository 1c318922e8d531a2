using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Topology;
using Microsoft.Extensions.Configuration;

namespace CausalEval.Dr.Adapters.Agents;

/// <summary>
/// A node's agent as the DR topology declares it, with its token resolved from the "Secrets" section: what
/// the agent listens with, and what its callers present. The token never leaves the process that resolved it.
/// </summary>
public sealed record AgentEndpoint(DatabaseNodeOptions Node, Uri Url, string Token)
{
    public static AgentEndpoint Resolve(TopologyOptions topology, IConfiguration configuration, string node)
    {
        if (topology.FindNode(node) is not { } found)
        {
            throw new BadInputException($"node: no database node named '{node}' in the DR topology (nodes: {string.Join(", ", topology.Nodes.Select(n => n.Node.Name))})");
        }

        var agent = found.Node.Agent
            ?? throw new DrConfigurationException($"{TopologyOptions.Section}: node '{found.Node.Name}' declares no Agent (Url, TokenSecret), so no step can act on it");
        var token = configuration[$"Secrets:{agent.TokenSecret}"];
        return string.IsNullOrWhiteSpace(token)
            ? throw new DrConfigurationException($"Secrets:{agent.TokenSecret} is not set (the token of the agent of '{found.Node.Name}')")
            : new AgentEndpoint(found.Node, new Uri(agent.Url), token);
    }
}
