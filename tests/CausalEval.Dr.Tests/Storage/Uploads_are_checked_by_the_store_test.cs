using System.Security.Cryptography;
using CausalEval.Dr.Adapters.Files;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.Storage;

/// <summary>
/// A backup's upload is checked by a checksum the store computes over what it received (S3's ETag is the MD5
/// of the bytes stored), not by downloading the archive again: at Azure scale a re-read doubles the transfer.
/// A bit flipped on the way is still caught, and the re-read stays available as a setting.
/// </summary>
public sealed class Uploads_are_checked_by_the_store_test(S3rverFixture s3rver) : IClassFixture<S3rverFixture>, IDisposable
{
    private readonly string files = RepoPaths.NewTempDirectory("upload-check");
    private readonly string bucket = ("u" + Guid.NewGuid().ToString("N"))[..20];

    public void Dispose() => Directory.Delete(files, recursive: true);

    [Fact]
    public async Task A_backup_archive_is_uploaded_once_and_never_downloaded_again()
    {
        using var proxy = new S3FaultProxy(s3rver.ServiceUrl);
        var catalog = new BackupCatalog(new S3ObjectStore(S3ObjectStore.CreateClient(proxy.ServiceUrl, "S3RVER", "S3RVER"), bucket, 1 << 20));

        var manifest = await FileSetArchive.TakeAsync(catalog, BackupKind.Configuration, "once", DateTimeOffset.UtcNow, Files(3 << 20));

        Assert.DoesNotContain(proxy.Requests, IsArchiveDownload);
        await catalog.Store.ReadVerifiedAsync(manifest.ArchiveKey, Stream.Null);
        Assert.Contains(proxy.Requests, IsArchiveDownload); // the count can see a GET
    }

    [Fact]
    public async Task A_bit_flipped_on_the_wire_fails_the_upload()
    {
        using var proxy = new S3FaultProxy(s3rver.ServiceUrl, alterBody: (r, body) =>
        {
            if (r.Method == "PUT" && body.Length > 1000)
            {
                body[body.Length / 2] ^= 0x10;
            }

            return body;
        });
        var store = new S3ObjectStore(S3ObjectStore.CreateClient(proxy.ServiceUrl, "S3RVER", "S3RVER"), bucket, 1 << 20);

        var error = await Assert.ThrowsAnyAsync<Exception>(()
            => store.PutAsync("flipped/archive.bin", new MemoryStream(RandomNumberGenerator.GetBytes(300_000))));
        Assert.Contains("MD5", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>A GET of the archive or one of its parts (a listing's prefix in the query does not count).</summary>
    private static bool IsArchiveDownload(S3FaultProxy.Request r) =>
        r.Method == "GET" && r.PathAndQuery.Split('?')[0].Contains("archive.tar.zst", StringComparison.Ordinal);

    private List<(string, string)> Files(int bytes)
    {
        var path = Path.Combine(files, "model.bin");
        File.WriteAllBytes(path, RandomNumberGenerator.GetBytes(bytes));
        return [("model.bin", path)];
    }
}
