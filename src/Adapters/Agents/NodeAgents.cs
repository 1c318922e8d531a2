using System.Collections.Concurrent;
using CausalEval.Dr.Core.Topology;
using Microsoft.Extensions.Configuration;

namespace CausalEval.Dr.Adapters.Agents;

/// <summary>
/// The agent of each database node, as the DR topology declares it; its token is resolved here, from the
/// "Secrets" section, and never leaves the process (activities get a node's name, not its credentials). Each
/// node has a connection pool of its own, which trusts only the certificate the topology trusts for that node.
/// </summary>
public sealed class NodeAgents(TopologyOptions topology, IConfiguration configuration) : IDisposable
{
    private readonly ConcurrentDictionary<string, HttpClient> clients = new(StringComparer.OrdinalIgnoreCase);

    public NodeAgentClient For(string node)
    {
        var agent = AgentEndpoint.Resolve(topology, configuration, node);
        // A promotion waits for the server to accept writes (up to a minute); anything longer is a stuck agent.
        var http = clients.GetOrAdd(agent.Node.Name, _ => new HttpClient(AgentCertificates.HandlerFor(agent)) { Timeout = TimeSpan.FromSeconds(90) });
        return new NodeAgentClient(http, agent.Node.Name, agent.Url, agent.Token);
    }

    public void Dispose()
    {
        foreach (var client in clients.Values)
        {
            client.Dispose();
        }
    }
}
