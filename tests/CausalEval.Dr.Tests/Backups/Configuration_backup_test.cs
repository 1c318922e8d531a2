using CausalEval.Dr.Core.Backups;
using System.Formats.Tar;
using System.Security.Cryptography;
using Azure.Storage.Blobs;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Tests.Fixtures;
using ZstdSharp;

namespace CausalEval.Dr.Tests.Backups;

[Collection(LocalRuntimeCollection.Name)]
public sealed class Configuration_backup_test(AzuriteFixture azurite) : IAsyncLifetime
{
    private readonly string configDir = RepoPaths.NewTempDirectory("config-src");
    private ServeProcess host = null!;
    private BackupCatalog catalog = null!;

    public Task InitializeAsync()
    {
        // Text, binary and nested files: what a real configuration folder holds.
        File.WriteAllText(Path.Combine(configDir, "app.json"), """{"feature": true, "replicas": 3}""");
        File.WriteAllBytes(Path.Combine(configDir, "tls.bin"), RandomNumberGenerator.GetBytes(70_000));
        Directory.CreateDirectory(Path.Combine(configDir, "nested", "deeper"));
        File.WriteAllText(Path.Combine(configDir, "nested", "deeper", "routes.yaml"), "api: primary\n");
        File.WriteAllText(Path.Combine(configDir, "single.env"), "MODE=dr\n");

        var environment = new DrEnvironment(azurite, "config-backup",
            new DrSettings().FileSet("ConfigurationBackup", configDir, "app.json", "tls.bin", "nested", Path.Combine(configDir, "single.env")));
        host = environment.Serve();
        catalog = new BackupCatalog(new AzureBlobObjectStore(new BlobContainerClient(azurite.ConnectionString, environment.ContainerName)));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        Directory.Delete(configDir, recursive: true);
    }

    [Fact]
    public async Task Archive_round_trips_byte_for_byte_and_manifest_checksums_match()
    {
        var id = await host.StartAsync("BackupConfiguration");
        var status = await host.WaitForEndAsync(id, TimeSpan.FromSeconds(60));
        Assert.True(status["runtimeStatus"]!.GetValue<string>() == "Completed", status.ToJsonString());
        var backupId = status["output"]!["backupId"]!.GetValue<string>();

        var manifest = await catalog.TryGetAsync(BackupKind.Configuration, backupId);
        Assert.NotNull(manifest);
        Assert.Equal(4, manifest.Files.Count);

        using var archive = new MemoryStream();
        await catalog.Store.ReadVerifiedAsync(manifest.ArchiveKey, archive);
        Assert.Equal(manifest.ArchiveSha256, Convert.ToHexStringLower(SHA256.HashData(archive.ToArray())));
        Assert.Equal(manifest.ArchiveSizeBytes, archive.Length);

        archive.Position = 0;
        var restored = new Dictionary<string, byte[]>();
        await using (var zstd = new DecompressionStream(archive))
        using (var tar = new TarReader(zstd))
        {
            while (tar.GetNextEntry() is { } entry)
            {
                using var bytes = new MemoryStream();
                entry.DataStream?.CopyTo(bytes);
                restored[entry.Name] = bytes.ToArray();
            }
        }

        var expected = new Dictionary<string, string>
        {
            ["app.json"] = "app.json",
            ["tls.bin"] = "tls.bin",
            ["nested/deeper/routes.yaml"] = Path.Combine("nested", "deeper", "routes.yaml"),
            ["single.env"] = "single.env",
        };
        Assert.Equal(expected.Keys.Order(), restored.Keys.Order());
        foreach (var (entryName, relative) in expected)
        {
            var original = File.ReadAllBytes(Path.Combine(configDir, relative));
            Assert.Equal(original, restored[entryName]);
            var listed = manifest.Files.Single(f => f.Path == entryName);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(original)), listed.Sha256);
            Assert.Equal(original.Length, listed.SizeBytes);
        }

        var verify = await host.Environment.RunCliAsync("backup", "verify", backupId);
        Assert.True(verify.ExitCode == 0, verify.Stderr);
        Assert.Contains("4 files match the manifest", verify.Stdout);
        Assert.True(await catalog.IsVerifiedAsync(BackupKind.Configuration, backupId));
    }

    [Fact]
    public async Task Retention_keeps_only_the_newest_backups()
    {
        var taken = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var id = await host.StartAsync("BackupConfiguration", new { keepCount = 2 });
            var status = await host.WaitForEndAsync(id, TimeSpan.FromSeconds(60));
            Assert.True(status["runtimeStatus"]!.GetValue<string>() == "Completed", status.ToJsonString());
            taken.Add(status["output"]!["backupId"]!.GetValue<string>());
            await Task.Delay(1100); // backup ids are per second
        }

        var remaining = (await catalog.ListCompleteAsync(BackupKind.Configuration)).Select(m => m.BackupId).ToList();
        Assert.Equal(2, remaining.Count);
        Assert.Contains(taken[2], remaining);
        Assert.Contains(taken[1], remaining);
        Assert.DoesNotContain(taken[0], remaining);
        Assert.Empty(await catalog.Store.ListAsync($"configuration/{taken[0]}/"));
    }

    [Fact]
    public async Task Retention_never_deletes_the_newest_verified_backup()
    {
        var taken = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var id = await host.StartAsync("BackupConfiguration", new { keepCount = 1 });
            var status = await host.WaitForEndAsync(id, TimeSpan.FromSeconds(60));
            Assert.True(status["runtimeStatus"]!.GetValue<string>() == "Completed", status.ToJsonString());
            taken.Add(status["output"]!["backupId"]!.GetValue<string>());
            if (i == 0)
            {
                var verify = await host.Environment.RunCliAsync("backup", "verify", taken[0]);
                Assert.True(verify.ExitCode == 0, verify.Stderr);
            }

            await Task.Delay(1100); // backup ids are per second
        }

        // keepCount 1 keeps the newest; the verified first one survives too; the middle one goes.
        var remaining = (await catalog.ListCompleteAsync(BackupKind.Configuration)).Select(m => m.BackupId).ToList();
        Assert.Contains(taken[2], remaining);
        Assert.Contains(taken[0], remaining);
        Assert.DoesNotContain(taken[1], remaining);
    }

    [Fact]
    public async Task Corrupted_archive_is_detected_on_read()
    {
        var id = await host.StartAsync("BackupConfiguration");
        var status = await host.WaitForEndAsync(id, TimeSpan.FromSeconds(60));
        var archiveKey = status["output"]!["snapshot"]!["archiveKey"]!.GetValue<string>();

        // Flip bytes behind the store's back, keeping the recorded checksum.
        var blob = new BlobContainerClient(azurite.ConnectionString, host.Environment.ContainerName).GetBlobClient(archiveKey);
        var metadata = (await blob.GetPropertiesAsync()).Value.Metadata;
        var bytes = (await blob.DownloadContentAsync()).Value.Content.ToArray();
        bytes[bytes.Length / 2] ^= 0xFF;
        await blob.UploadAsync(new BinaryData(bytes), overwrite: true);
        await blob.SetMetadataAsync(metadata);

        await Assert.ThrowsAsync<ChecksumMismatchException>(() => catalog.Store.ReadVerifiedAsync(archiveKey, Stream.Null));
    }
}
