using Azure.Storage.Blobs;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.Backups;

[Collection(LocalRuntimeCollection.Name)]
public sealed class Configuration_backup_missing_path_test(AzuriteFixture azurite)
{
    /// <summary>A configured file that does not exist fails the backup by name, before anything is uploaded.</summary>
    [Fact]
    public async Task Missing_configured_file_fails_the_backup_and_uploads_nothing()
    {
        var environment = new DrEnvironment(azurite, "config-missing",
            new DrSettings().FileSet("ConfigurationBackup", Path.GetTempPath(), "definitely-not-here.json", "also-missing", "gone"));

        var result = await environment.RunCliAsync("run", "BackupConfiguration", "--json");

        Assert.Equal(3, result.ExitCode); // configuration: named files missing
        Assert.Equal("Failed", result.Json["runtimeStatus"]!.GetValue<string>());
        Assert.Contains("definitely-not-here.json", result.Json["failureDetails"]!["errorMessage"]!.GetValue<string>());
        var store = new AzureBlobObjectStore(new BlobContainerClient(azurite.ConnectionString, environment.ContainerName));
        Assert.Empty(await store.ListAsync("configuration/"));
    }
}
