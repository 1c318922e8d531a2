using System.Security.Cryptography.X509Certificates;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Topology;
using Microsoft.Extensions.Configuration;

namespace CausalEval.Dr.Adapters.Agents;

/// <summary>
/// A node's agent as the DR topology declares it, with its token resolved from the "Secrets" section: what
/// the agent listens with, and what its callers present and trust. The token never leaves the process that resolved it.
/// </summary>
/// <param name="CertificateSha256">The pinned certificate, when the node pins one (else <paramref name="TrustedCas"/> decide).</param>
/// <param name="TrustedCas">The topology's CA bundle (empty when none is configured).</param>
public sealed record AgentEndpoint(DatabaseNodeOptions Node, Uri Url, string Token, string? CertificateSha256, X509Certificate2Collection TrustedCas)
{
    public static AgentEndpoint Resolve(TopologyOptions topology, IConfiguration configuration, string node)
    {
        if (topology.FindNode(node) is not { } found)
        {
            throw new BadInputException($"node: no database node named '{node}' in the DR topology (nodes: {string.Join(", ",
                topology.Nodes.Select(n => n.Node.Name))})");
        }

        var agent = found.Node.Agent
            ?? throw new DrConfigurationException($"{TopologyOptions.Section}: node '{found.Node.Name}' declares no Agent (Url, TokenSecret), so no step can " +
                $"act on it");
        var token = configuration[$"Secrets:{agent.TokenSecret}"];
        if (string.IsNullOrWhiteSpace(token))
        {
            throw new DrConfigurationException($"Secrets:{agent.TokenSecret} is not set (the token of the agent of '{found.Node.Name}')");
        }

        var cas = new X509Certificate2Collection();
        if (topology.AgentTls.CaCertificates.Length > 0)
        {
            cas.ImportFromPem(topology.AgentTls.CaCertificates);
        }

        return new AgentEndpoint(found.Node, new Uri(agent.Url), token, agent.CertificateSha256.Length > 0 ? agent.CertificateSha256.ToLowerInvariant() : null,
            cas);
    }
}
