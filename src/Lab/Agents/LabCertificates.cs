using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CausalEval.Dr.Lab.Agents;

/// <summary>
/// The lab's agent certificates, made in process when the lab comes up: a CA of its own (its key is used once,
/// here, and never kept) and one certificate per node for the node's address. The lab's topology pins each node's
/// certificate and carries the CA bundle too; each agent serves its own certificate and key from the lab's secrets.
/// </summary>
public static class LabCertificates
{
    /// <param name="CaPem">The CA certificate (public).</param>
    /// <param name="Nodes">Node name → its certificate and private key, PEM.</param>
    public sealed record Issued(string CaPem, IReadOnlyDictionary<string, string> Nodes);

    public static Issued For(IEnumerable<(string Node, string Address)> nodes)
    {
        var now = DateTimeOffset.UtcNow.AddMinutes(-5);
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=CausalEval.Dr lab agents CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true,
            pathLengthConstraint: 0, critical: true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, critical: false));
        using var ca = caRequest.CreateSelfSigned(now, now.AddYears(1));

        var issued = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (node, address) in nodes)
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest($"CN={node}", key, HashAlgorithmName.SHA256);
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Parse(address));
            names.AddDnsName(node);
            request.CertificateExtensions.Add(names.Build());
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false)); // server authentication
            request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
            using var certificate = request.Create(ca, now, now.AddYears(1), RandomNumberGenerator.GetBytes(16));
            issued[node] = certificate.ExportCertificatePem() + "\n" + key.ExportPkcs8PrivateKeyPem() + "\n";
        }

        return new Issued(ca.ExportCertificatePem() + "\n", issued);
    }

    /// <summary>The SHA-256 the topology pins for a node, from its PEM.</summary>
    public static string Sha256Of(string pem)
    {
        using var certificate = X509Certificate2.CreateFromPem(pem);
        return Adapters.Agents.AgentCertificates.Sha256Of(certificate);
    }
}
