using CausalEval.Dr.Core.Storage;
using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Adapters.Postgres;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Lab.Postgres;
using CausalEval.Dr.Adapters.Processes;
using CausalEval.Dr.Tests.Fixtures;
using Npgsql;

namespace CausalEval.Dr.Tests.DatabaseBackup;

/// <summary>BackupDatabase on the local runtime against a real PostgreSQL 15, into a local-directory store.</summary>
[Collection(LocalRuntimeCollection.Name)]
public sealed class Base_backup_test(AzuriteFixture azurite, S3rverFixture s3rver) : IAsyncLifetime, IClassFixture<S3rverFixture>
{
    public static TheoryData<string> Stores => new() { "local", "azure-blob", "s3" };

    private readonly string bucket = ("b" + Guid.NewGuid().ToString("N"))[..20];

    private PostgresCluster cluster = null!;

    private string Store => cluster.Store;

    /// <summary>One store's settings, given to `dr` (as DR_* variables) and read back by the test itself.</summary>
    private StorageOptions StoreOf(string kind) => kind switch
    {
        "local" => new StorageOptions { Kind = "local", LocalPath = Store },
        "azure-blob" => new StorageOptions { Kind = "azure-blob", ConnectionString = azurite.ConnectionString, Container = bucket },
        "s3" => new StorageOptions { Kind = "s3", Container = bucket,
            S3 = new() { ServiceUrl = s3rver.ServiceUrl, AccessKeyId = "S3RVER", SecretAccessKey = "S3RVER" } },
        _ => throw new ArgumentException(kind),
    };

    public async Task InitializeAsync() => cluster = await PostgresCluster.StartAsync("basebackup", rows: 20000);

    public async Task DisposeAsync() => await cluster.DisposeAsync();

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Base_backup_streams_into_the_store_and_passes_pg_verifybackup(string kind)
    {
        var storeOptions = StoreOf(kind);
        // Parts of 1 MiB: even this small cluster's archive is stored in several, read back several at once.
        var environment = new DrEnvironment(azurite, "basebackup-" + kind, new DrSettings().Store(storeOptions).Database(cluster.Port)
            .Set("Database:PartSizeMiB", "1"));

        var run = await environment.RunCliAsync("run", "BackupDatabase", "--json");
        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        var output = run.Json["output"]!;
        var backupId = output["backupId"]!.GetValue<string>();
        Assert.Matches("^[0-9A-F]+/[0-9A-F]+$", output["backup"]!["startLsn"]!.GetValue<string>());
        Assert.Equal(1, output["backup"]!["timeline"]!.GetValue<int>());

        var catalog = new BackupCatalog(storeOptions.CreateStore());
        var manifest = await catalog.TryGetAsync(BackupKind.Database, backupId);
        Assert.NotNull(manifest?.Database);
        Assert.True(manifest.ArchiveSizeBytes < manifest.Database.UncompressedBytes, "the base backup was not compressed");
        Assert.NotNull(manifest.Parts);
        Assert.True(manifest.Parts.Count > 1, $"{manifest.ArchiveSizeBytes} bytes in {manifest.Parts.Count} parts");
        Assert.Equal(manifest.ArchiveSizeBytes, manifest.Parts.Sum(p => p.SizeBytes));
        Assert.Equal(ArchivePart.CombinedSha256(manifest.Parts), manifest.ArchiveSha256);
        foreach (var part in manifest.Parts)
        {
            var info = await catalog.Store.GetInfoAsync(part.Key);
            Assert.Equal((part.SizeBytes, part.Sha256), (info?.SizeBytes, info?.Sha256));
        }

        var verified = await BaseBackupVerifier.VerifyAsync(catalog.Store, manifest, LabPostgres.BinDirectory);
        Assert.True(verified.Valid, verified.Output);
        Assert.Contains("successfully verified", verified.Output);

        // The CLI: listed as complete, verified, then listed as verified.
        Assert.Equal("complete", await StatusInListAsync(environment, backupId));
        var verify = await environment.RunCliAsync("backup", "verify", backupId);
        Assert.True(verify.ExitCode == 0, verify.Stderr);
        Assert.Equal("verified", await StatusInListAsync(environment, backupId));

        // Backups taken before parts are one object: they must stay restorable.
        var legacy = await StoreAsOneObjectAsync(catalog, manifest);
        var legacyVerified = await BaseBackupVerifier.VerifyAsync(catalog.Store, legacy, LabPostgres.BinDirectory);
        Assert.True(legacyVerified.Valid, legacyVerified.Output);

        var unknown = await environment.RunCliAsync("backup", "verify", "no-such-backup");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("no complete backup 'no-such-backup'", unknown.Stderr);

        if (kind != "local")
        {
            return; // corruption per store is Object_store_contract_test's; here once, where the file is at hand
        }

        // Corrupt one stored part: verify must fail and say so.
        var archive = Path.Combine(Store, manifest.Parts[manifest.Parts.Count / 2].Key);
        var bytes = await File.ReadAllBytesAsync(archive);
        bytes[bytes.Length / 3] ^= 0x40;
        await File.WriteAllBytesAsync(archive, bytes);
        var corrupt = await environment.RunCliAsync("backup", "verify", backupId);
        Assert.Equal(5, corrupt.ExitCode); // corrupt data
        Assert.Contains("FAILED verification", corrupt.Stderr);
    }

    /// <summary>The same backup as the single-object format of earlier versions: the parts' bytes in one object, no part list.</summary>
    private static async Task<BackupManifest> StoreAsOneObjectAsync(BackupCatalog catalog, BackupManifest parted)
    {
        var whole = new MemoryStream();
        await using (var parts = PartedArchive.OpenRead(catalog.Store, parted.Parts!, parallel: 2))
        {
            await parts.CopyToAsync(whole);
        }

        whole.Position = 0;
        var key = parted.ArchiveKey + ".single";
        var stored = await catalog.Store.PutAsync(key, whole);
        return parted with { ArchiveKey = key, ArchiveSizeBytes = stored.SizeBytes, ArchiveSha256 = stored.Sha256!, Parts = null };
    }

    private static async Task<string> StatusInListAsync(DrEnvironment environment, string backupId)
    {
        var list = await environment.RunCliAsync("backup", "list", "--json");
        Assert.True(list.ExitCode == 0, list.Stderr);
        return list.Json.AsArray().Single(b => b!["id"]!.GetValue<string>() == backupId)!["status"]!.GetValue<string>();
    }

    /// <summary>This cluster's archive_command is /bin/true: PostgreSQL believes it archived, the store has nothing.</summary>
    [Fact]
    public async Task CheckWalArchive_fails_when_the_store_lacks_what_postgres_archived()
    {
        var environment = new DrEnvironment(azurite, "walcheck-missing", new DrSettings().LocalStore(Store).Database(cluster.Port));

        var run = await environment.RunCliAsync("run", "CheckWalArchive", "--input", """{"maxWaitSeconds": 30}""", "--json");

        Assert.Equal(3, run.ExitCode); // archive_command writes elsewhere: a configuration problem
        Assert.Contains("does not have it", run.Json["failureDetails"]!["errorMessage"]!.GetValue<string>());
    }

    [Fact]
    public async Task Unreachable_database_fails_the_backup_and_lists_nothing()
    {
        // A port bound (so nobody else takes it) and not listening: connections to it are refused, as to a server that is down.
        using var down = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream,
            System.Net.Sockets.ProtocolType.Tcp);
        down.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        var environment = new DrEnvironment(azurite, "basebackup-down",
            new DrSettings().LocalStore(Store).Database(((System.Net.IPEndPoint)down.LocalEndPoint!).Port));

        var run = await environment.RunCliAsync("run", "BackupDatabase", "--json");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("is unreachable", run.Json["failureDetails"]!["errorMessage"]!.GetValue<string>());
        Assert.Empty(await new BackupCatalog(new LocalDirectoryObjectStore(Store)).ListCompleteAsync(BackupKind.Database));
        Assert.Empty(await new LocalDirectoryObjectStore(Store).ListAsync("database/"));
    }

    /// <summary>Tablespaces arrive as separate archives; a backup of only base.tar.zst would lose them silently.</summary>
    [Fact]
    public async Task Tablespace_fails_the_backup_by_name_and_nothing_is_listed_complete()
    {
        var location = Path.Combine(cluster.Root, "tablespace");
        Directory.CreateDirectory(location);
        await ProcessRunner.RunAsync("chown", ["postgres:", location]);
        await cluster.ExecuteAsync($"CREATE TABLESPACE extra LOCATION '{location}'");

        var environment = new DrEnvironment(azurite, "basebackup-tablespace", new DrSettings().LocalStore(Store).Database(cluster.Port));

        var run = await environment.RunCliAsync("backup", "run", "database", "--json");

        Assert.Equal(6, run.ExitCode); // refused by a safety check: it would lose the tablespace
        Assert.Contains("has tablespaces", run.Json["failureDetails"]!["errorMessage"]!.GetValue<string>());
        Assert.Empty(await new BackupCatalog(new LocalDirectoryObjectStore(Store)).ListCompleteAsync(BackupKind.Database));
        var list = await environment.RunCliAsync("backup", "list", "--json");
        Assert.Equal("failed", list.Json.AsArray().Single()!["status"]!.GetValue<string>());
    }
}
