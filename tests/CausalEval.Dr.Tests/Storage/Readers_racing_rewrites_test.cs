using System.Security.Cryptography;
using Azure.Storage.Blobs;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.Storage;

/// <summary>
/// A backup rewrites its heartbeat every few seconds while `dr backup list` and retention read it. A reader
/// must see one whole version (bytes and checksum together), never new bytes with an old or missing checksum.
/// S3 is not in the list: one PUT carries the bytes and the checksum, and S3 is strongly consistent per
/// object, but s3rver is not (it writes an object's bytes and its metadata as separate files: the SDK itself
/// sees new bytes under an old ETag), so a race test against it would test s3rver.
/// </summary>
[Collection(LocalRuntimeCollection.Name)]
public sealed class Readers_racing_rewrites_test(AzuriteFixture azurite) : IDisposable
{
    private readonly string localRoot = RepoPaths.NewTempDirectory("race-store");
    private readonly string container = ("r" + Guid.NewGuid().ToString("N"))[..20];

    public static TheoryData<string> Stores => new() { "azure-blob", "local" };

    public void Dispose() => Directory.Delete(localRoot, recursive: true);

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task A_reader_racing_rewrites_sees_whole_versions_only(string kind)
    {
        IObjectStore store = kind switch
        {
            "azure-blob" => new AzureBlobObjectStore(new BlobContainerClient(azurite.ConnectionString, container)),
            _ => new LocalDirectoryObjectStore(localRoot),
        };
        const string key = "race/progress.json";
        var versions = Enumerable.Range(0, 150).Select(i => RandomNumberGenerator.GetBytes(1500 + i)).ToArray();
        var known = versions.Select(v => Convert.ToHexStringLower(SHA256.HashData(v))).ToHashSet();
        await store.PutAsync(key, new MemoryStream(versions[0]));

        // Both sides go on until each has done its share (300 reads, 100 rewrites): the race does not depend on
        // which side is faster on this machine.
        using var done = new CancellationTokenSource();
        var writes = 0;
        var writer = Task.Run(async () =>
        {
            for (var i = 1; !done.IsCancellationRequested; i++)
            {
                await store.PutAsync(key, new MemoryStream(versions[i % versions.Length]));
                Interlocked.Increment(ref writes);
            }
        });
        var (reads, failures) = (0, new List<string>());
        for (; (reads < 300 || Volatile.Read(ref writes) < 100) && !writer.IsCompleted; reads++)
        {
            try
            {
                var bytes = await store.ReadBytesAsync(key);
                if (!known.Contains(Convert.ToHexStringLower(SHA256.HashData(bytes))))
                {
                    failures.Add($"read {bytes.Length} bytes that are no written version");
                }
            }
            catch (Exception e)
            {
                failures.Add(e.Message);
            }
        }

        await done.CancelAsync();
        await writer;
        Assert.True(failures.Count == 0, $"{kind}: {failures.Count} of {reads} reads failed, first: {failures.FirstOrDefault()}");
        Assert.True(writes >= 100, $"{kind}: the writer stopped after {writes} rewrites");
    }
}
