using CausalEval.Dr.Core.Storage;

namespace CausalEval.Dr.Tests.Fixtures;

/// <summary>
/// The settings a test gives `dr`, as the DR_* environment variables `dr` reads (<c>Storage:Kind</c> →
/// <c>DR_Storage__Kind</c>), written once here instead of by hand in every test.
/// </summary>
public sealed class DrSettings : Dictionary<string, string>
{
    public DrSettings Set(string key, string value)
    {
        this[Variable(key)] = value;
        return this;
    }

    public static string Variable(string key) => "DR_" + key.Replace(":", "__");

    public DrSettings LocalStore(string path) => Set("Storage:Kind", "local").Set("Storage:LocalPath", path);

    /// <summary>The backup store: what <paramref name="store"/> says (an Azure Blob connection string comes from the test's Azurite).</summary>
    public DrSettings Store(StorageOptions store)
    {
        Set("Storage:Kind", store.Kind).Set("Storage:Container", store.Container);
        return store.Kind switch
        {
            "local" => Set("Storage:LocalPath", store.LocalPath),
            "s3" => Set("Storage:S3:ServiceUrl", store.S3.ServiceUrl).Set("Storage:S3:AccessKeyId", store.S3.AccessKeyId).Set("Storage:S3:SecretAccessKey",
                store.S3.SecretAccessKey),
            _ => this,
        };
    }

    /// <summary>A one-cluster DR topology: the primary region's database node at <paramref name="host"/>:<paramref name="port"/>.</summary>
    public DrSettings Database(int port, string host = "127.0.0.1") =>
        Set("Topology:ControlPlane:Location", "test-control-plane")
            .Region("primary", "primary", host, port);

    /// <summary>A secondary region whose database node is the standby at <paramref name="host"/>:<paramref name="port"/>.</summary>
    public DrSettings Standby(int port, string host) => Region("secondary", "secondary", host, port);

    public DrSettings FileSet(string section, string baseDirectory, params string[] paths)
    {
        Set($"{section}:BaseDirectory", baseDirectory);
        for (var i = 0; i < paths.Length; i++)
        {
            Set($"{section}:Paths:{i}", paths[i]);
        }

        return this;
    }

    public DrSettings ApplicationState(string redis, string modelCacheDirectory) =>
        Set("ApplicationState:Redis", redis).Set("ApplicationState:ModelCacheDirectory", modelCacheDirectory);

    private DrSettings Region(string name, string role, string host, int port) =>
        Set($"Topology:Regions:{name}:Role", role)
            .Set($"Topology:Regions:{name}:Location", $"test-{name}")
            .Set($"Topology:Regions:{name}:Database:Nodes:0:Name", $"{name}-db")
            .Set($"Topology:Regions:{name}:Database:Nodes:0:Host", host)
            .Set($"Topology:Regions:{name}:Database:Nodes:0:Port", port.ToString());
}
