using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CausalEval.Dr.Core.Errors;

namespace CausalEval.Dr.Adapters.Agents;

/// <summary>
/// TLS between the control plane and the node agents. A client trusts an agent's certificate by the node's pin (its
/// SHA-256) or, without one, by a chain to the topology's CA bundle that names the URL's host; the system's roots
/// never count (an agent's certificate is the deployment's own business). An agent serves the certificate and key
/// its node's secret holds.
/// </summary>
public static class AgentCertificates
{
    /// <summary>The hex SHA-256 of a certificate's DER bytes: what a node pins.</summary>
    public static string Sha256Of(X509Certificate2 certificate) => Convert.ToHexStringLower(SHA256.HashData(certificate.RawData));

    /// <summary>An HTTP handler that talks to <paramref name="agent"/> only if it presents the certificate the topology trusts for it.</summary>
    public static SocketsHttpHandler HandlerFor(AgentEndpoint agent) => new()
    {
        SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, certificate, _, errors)
            => Trusts(agent, certificate, errors) },
        PooledConnectionLifetime = TimeSpan.FromMinutes(10),
    };

    /// <summary>The pin alone when there is one; else a chain to the CA bundle (nothing else) with the host named in the certificate.</summary>
    public static bool Trusts(AgentEndpoint agent, X509Certificate? presented, SslPolicyErrors errors)
    {
        if (presented is null)
        {
            return false;
        }

        using var certificate = new X509Certificate2(presented);
        if (agent.CertificateSha256 is { } pin)
        {
            return CryptographicOperations.FixedTimeEquals(Convert.FromHexString(pin), SHA256.HashData(certificate.RawData));
        }

        if (agent.TrustedCas.Count == 0 || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch)
            || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(agent.TrustedCas);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    /// <summary>The agent's own certificate with its private key, from the PEM its node's secret holds.</summary>
    public static X509Certificate2 FromPem(string pem, string what)
    {
        try
        {
            using var loaded = X509Certificate2.CreateFromPem(pem, pem);
            // Exported and imported once: TLS on some platforms wants a key that is not ephemeral.
            return X509CertificateLoader.LoadPkcs12(loaded.Export(X509ContentType.Pkcs12), null);
        }
        catch (CryptographicException e)
        {
            throw new DrConfigurationException($"{what}: not a PEM certificate with its private key ({e.Message})");
        }
    }
}
