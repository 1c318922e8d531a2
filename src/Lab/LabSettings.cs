using System.Text.Json;
using System.Text.Json.Nodes;
using CausalEval.Dr.Core.Topology;
using CausalEval.Dr.Lab.Agents;
using CausalEval.Dr.Lab.Topology;

namespace CausalEval.Dr.Lab;

/// <summary>
/// The running lab as settings every `dr` command of its state directory reads (<c>lab/dr.settings.json</c>,
/// written by `dr lab up`, removed by `dr lab down`): the lab's DR topology, one instance of the same
/// Topology section a production deployment has, with its secrets, its task hub and its backup store. So
/// after `dr lab up`, `dr serve`, `dr run`, `dr backup …` and `dr topology check` use the lab with no flags.
/// </summary>
public static class LabSettings
{
    public const string FileName = "dr.settings.json";

    /// <summary>The control plane's location: the lab's shared services (DNS, Azurite, s3rver) are its third failure domain.</summary>
    public const string ControlPlaneLocation = "shared";

    public static string NodeOf(LabRegion region) => $"{region.Name}-db";

    public static string AgentOf(LabRegion region) => $"agent-{region.Name}";

    public static string BackupStore(string labDirectory) => Path.Combine(labDirectory, "run", "backups");

    public static JsonObject For(LabTopology topology, LabState state, string labDirectory, string? restoreCommand = null)
    {
        var run = Path.Combine(labDirectory, "run");
        var dns = state.Processes.FirstOrDefault(p => p.Kind == "powerdns");
        var secrets = new JsonObject { ["lab-dns"] = state.DnsApiKey, ["lab-postgres"] = state.PostgresPassword };
        var certificates = state.AgentCertificates ?? throw new InvalidOperationException("the lab's agent certificates are not made yet");
        var regions = new JsonObject();
        foreach (var region in topology.Regions)
        {
            var tokenSecret = $"agent-{NodeOf(region)}";
            secrets[tokenSecret] = state.AgentTokens?[NodeOf(region)];
            var certificateSecret = $"agent-certificate-{NodeOf(region)}";
            secrets[certificateSecret] = certificates.Nodes[NodeOf(region)];
            // The addresses `api.` names when the region serves: every instance of its failover capacity.
            // (The cold region serves only at its own capacity, and runs nothing normally.)
            var cold = region.Role == RegionRole.DisasterRecovery;
            var failoverCapacity = cold ? region.WorkloadInstances : Math.Max(region.WorkloadInstances, topology.Primary.WorkloadInstances);
            var workloads = Enumerable.Range(1, failoverCapacity).Select(region.WorkloadAddress).ToList();
            regions[region.Name] = new JsonObject
            {
                ["Role"] = RegionRoles.NameOf(region.Role),
                ["Location"] = region.Location,
                ["CapacityPercent"] = region.CapacityPercent,
                ["Database"] = new JsonObject
                {
                    ["Nodes"] = new JsonArray(new JsonObject
                    {
                        ["Name"] = NodeOf(region),
                        ["Host"] = region.Address,
                        ["Port"] = state.Ports["postgres"],
                        ["Agent"] = new JsonObject
                        {
                            ["Url"] = $"https://{region.Address}:{state.Ports["agent"]}",
                            ["TokenSecret"] = tokenSecret,
                            ["CertificateSecret"] = certificateSecret,
                            ["CertificateSha256"] = LabCertificates.Sha256Of(certificates.Nodes[NodeOf(region)]),
                        },
                    }),
                },
                ["Dns"] = new JsonObject
                {
                    ["Records"] = new JsonObject
                    {
                        ["api"] = new JsonArray(workloads.Select(a => (JsonNode)a).ToArray()),
                        ["db"] = new JsonArray(region.Address),
                    },
                },
                ["Compute"] = new JsonObject
                {
                    ["Provider"] = "lab",
                    ["Services"] = new JsonObject { ["api"] = new JsonObject { ["Normal"] = cold ? 0 : region.WorkloadInstances,
                        ["Failover"] = failoverCapacity } },
                },
                ["Cache"] = new JsonObject { ["Redis"] = $"{region.Address}:{state.Ports["redis"]}" },
                ["Stores"] = new JsonObject
                {
                    ["Near"] = LocalStore(labDirectory),
                    ["Far"] = topology.S3 ? S3Store(topology, state) : null,
                },
                ["Files"] = region.Files && state.Ports.TryGetValue("files", out var files) ? FileStore(region, files) : null,
            };
        }

        var settings = new JsonObject
        {
            ["Topology"] = new JsonObject
            {
                ["ControlPlane"] = new JsonObject { ["Location"] = ControlPlaneLocation },
                ["Dns"] = dns is null ? null : new JsonObject
                {
                    ["Provider"] = "powerdns",
                    ["Zone"] = topology.Zone,
                    ["ApiUrl"] = $"http://{dns.Address}:{state.Ports["dnsApi"]}",
                    ["ApiKeySecret"] = "lab-dns",
                    ["Nameserver"] = $"{dns.Address}:{state.Ports["dns"]}",
                    ["TtlSeconds"] = 1,
                },
                ["Api"] = new JsonObject { ["Port"] = state.Ports["workload"] },
                ["AgentTls"] = new JsonObject { ["CaCertificates"] = certificates.CaPem },
                ["Regions"] = regions,
            },
            ["Secrets"] = secrets,
            // The lab watches itself once a second and fails over after two failed rounds.
            ["Monitor"] = new JsonObject { ["Enabled"] = true, ["IntervalSeconds"] = 1, ["FailedRoundsToAct"] = 2, ["ProbeTimeoutMs"] = 500 },
            // Backups and the WAL archive in one store, so the WAL check and (later) recovery read what archive_command wrote.
            ["Storage"] = LocalStore(labDirectory),
            // SCRAM over TCP: every process that connects resolves the password from this secret.
            ["Database"] = new JsonObject { ["PasswordSecret"] = "lab-postgres" },
            ["Recovery"] = restoreCommand is null ? null : new JsonObject { ["RestoreCommand"] = restoreCommand },
            ["ApplicationState"] = new JsonObject
            {
                ["Redis"] = $"{topology.Primary.Address}:{state.Ports["redis"]}",
                ["ModelCacheDirectory"] = Path.Combine(run, "workload", $"model-cache-{topology.Primary.Name}"),
                ["Regions"] = new JsonObject(topology.Regions.Select(r => KeyValuePair.Create(r.Name, (JsonNode?)new JsonObject
                {
                    ["Redis"] = $"{r.Address}:{state.Ports["redis"]}",
                    ["ModelCacheDirectory"] = Path.Combine(run, "workload", $"model-cache-{r.Name}"),
                }))),
            },
            ["MetricsBackup"] = new JsonObject { ["BaseDirectory"] = labDirectory, ["Paths"] = new JsonArray("**/metrics/*.jsonl") },
            ["LogsBackup"] = new JsonObject { ["BaseDirectory"] = labDirectory, ["Paths"] = new JsonArray("**/*.log") },
        };
        if (state.AzuriteConnectionString is { } azurite)
        {
            // The task hub lives with the shared services: outside the primary region's failure domain.
            settings["AzureWebJobsStorage"] = azurite;
        }

        return settings;
    }

    public static void Write(string labDirectory, JsonObject settings) =>
        WriteOwnerOnly(Path.Combine(labDirectory, FileName), settings.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

    public static void Delete(string labDirectory) => File.Delete(Path.Combine(labDirectory, FileName));

    /// <summary>Written whole or not at all (temp file + rename), readable by its owner only from the moment it exists: it holds tokens and keys.</summary>
    public static void WriteOwnerOnly(string path, string text) => Adapters.Files.OwnerOnly.WriteAllText(path, text);

    private static JsonObject LocalStore(string labDirectory) => new() { ["Kind"] = "local", ["LocalPath"] = BackupStore(labDirectory) };

    /// <summary>The region's own S3 server of the framework's files, bucket "artifacts" (lost with the region).</summary>
    public static JsonObject FileStore(LabRegion region, int port) => new()
    {
        ["Kind"] = "s3",
        ["Container"] = FilesBucket,
        ["S3"] = new JsonObject { ["ServiceUrl"] = $"http://{region.Address}:{port}", ["AccessKeyId"] = "S3RVER", ["SecretAccessKey"] = "S3RVER" },
    };

    public const string FilesBucket = "artifacts";

    private static JsonObject S3Store(LabTopology topology, LabState state) => new()
    {
        ["Kind"] = "s3",
        ["Container"] = "dr-far",
        ["S3"] = new JsonObject
        {
            ["ServiceUrl"] = $"http://{topology.SharedAddress}:{state.Ports["s3"]}",
            ["AccessKeyId"] = "S3RVER",
            ["SecretAccessKey"] = "S3RVER",
        },
    };
}
