using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Storage;
using CausalEval.Dr.Core.Topology;
using Microsoft.Extensions.Configuration;

namespace CausalEval.Dr.Agent;

/// <summary>What one agent serves: its node (from the DR topology), the data directory on this host, its token.</summary>
/// <param name="StateDirectory">Where the agent keeps its jobs, so a restarted agent knows what it did.</param>
/// <param name="Store">The backup store restore jobs read from.</param>
public sealed record AgentSettings(
    string Node,
    string Host,
    int Port,
    Uri Listen,
    string Token,
    string DataDirectory,
    string BinDirectory,
    string StateDirectory,
    StorageOptions Store)
{
    /// <summary>
    /// The agent of <paramref name="node"/> as the topology declares it (address, port, agent URL, token
    /// secret); refuses to start without a token: an agent that acts on a database answers only to its owner.
    /// </summary>
    public static AgentSettings For(IConfiguration configuration, string node, string dataDirectory, string stateDirectory)
    {
        var topology = TopologyValidator.Load(configuration);
        if (topology.FindNode(node) is not { } found)
        {
            throw new DrConfigurationException($"{TopologyOptions.Section}: no database node named '{node}' (nodes: {string.Join(", ", topology.Nodes.Select(n => n.Node.Name))})");
        }

        var agent = found.Node.Agent ?? throw new DrConfigurationException($"{TopologyOptions.Section}: node '{node}' declares no Agent (Url, TokenSecret)");
        var token = configuration[$"Secrets:{agent.TokenSecret}"];
        if (string.IsNullOrWhiteSpace(token))
        {
            throw new DrConfigurationException($"Secrets:{agent.TokenSecret} is not set: the agent of '{node}' needs its token");
        }

        if (!Path.IsPathFullyQualified(dataDirectory))
        {
            throw new BadInputException($"--data-dir '{dataDirectory}' must be an absolute path");
        }

        var bin = configuration["Database:BinDirectory"] ?? "/usr/lib/postgresql/15/bin";
        var store = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        return new AgentSettings(found.Node.Name, found.Node.Host, found.Node.Port, new Uri(agent.Url), token, Path.GetFullPath(dataDirectory), bin,
            Path.Combine(stateDirectory, "agents", found.Node.Name), store);
    }
}
