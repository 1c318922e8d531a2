using System.Net;
using System.Security.Cryptography.X509Certificates;
using CausalEval.Dr.Adapters.Agents;
using CausalEval.Dr.Agent;
using CausalEval.Dr.Core.Storage;
using CausalEval.Dr.Lab.Agents;

namespace CausalEval.Dr.Tests.Fixtures;

/// <summary>An agent's settings for tests that run parts of an agent in process (its WAL socket, its jobs), with a runtime folder of the test's own.</summary>
internal static class TestAgents
{
    private static readonly Lazy<X509Certificate2> Certificate = new(() =>
        AgentCertificates.FromPem(LabCertificates.For([("node", "127.0.0.1")]).Nodes["node"], "a test agent's certificate"));

    public static AgentSettings Settings(string root, string data, StorageOptions store) =>
        new("node", "127.0.0.1", 5432, new IPEndPoint(IPAddress.Loopback, 1), "token", Certificate.Value, data, "/usr/lib/postgresql/15/bin",
            Path.Combine(root, "agent"), store)
        {
            RuntimeDirectory = Path.Combine(root, "run"),
        };
}
