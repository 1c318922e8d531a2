using CausalEval.Dr.Adapters.Agents;
using CausalEval.Dr.Adapters.Postgres;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Storage;
using CausalEval.Dr.Core.Topology;
using Microsoft.Extensions.Configuration;

namespace CausalEval.Dr.Agent;

/// <summary>What one agent serves: its node (from the DR topology), the data directory on this host, its token.</summary>
/// <param name="StateDirectory">Where the agent keeps its jobs, so a restarted agent knows what it did.</param>
/// <param name="Store">The backup store restore jobs read from.</param>
/// <param name="RestoreCommand">PostgreSQL's restore_command on this host for recover jobs (<c>Recovery:RestoreCommand</c>, with %f and %p).</param>
/// <param name="RaiseReplayPriority">Whether a recover job's replay runs at a raised CPU priority (<c>Recovery:RaiseReplayPriority</c>,
/// default true; see <see cref="ReplayPriority"/>): false on a host whose serving cluster must never yield a core to a recovery beside it.</param>
public sealed record AgentSettings(
    string Node,
    string Host,
    int Port,
    Uri Listen,
    string Token,
    string DataDirectory,
    string BinDirectory,
    string StateDirectory,
    StorageOptions Store,
    bool StartPostgres = false,
    string? RestoreCommand = null,
    bool RaiseReplayPriority = true)
{
    /// <summary>
    /// The agent of <paramref name="node"/> as the topology declares it (address, port, agent URL, token
    /// secret); refuses to start without a token: an agent that acts on a database answers only to its owner.
    /// </summary>
    public static AgentSettings For(IConfiguration configuration, string node, string dataDirectory, string stateDirectory)
    {
        var agent = AgentEndpoint.Resolve(TopologyValidator.Load(configuration), configuration, node);

        if (!Path.IsPathFullyQualified(dataDirectory))
        {
            throw new BadInputException($"--data-dir '{dataDirectory}' must be an absolute path");
        }

        var bin = (configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions()).BinDirectory;
        var store = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        return new AgentSettings(agent.Node.Name, agent.Node.Host, agent.Node.Port, agent.Url, agent.Token, Path.GetFullPath(dataDirectory), bin,
            Path.Combine(stateDirectory, "agents", agent.Node.Name), store, RestoreCommand: configuration["Recovery:RestoreCommand"],
            RaiseReplayPriority: configuration.GetValue("Recovery:RaiseReplayPriority", true));
    }
}
