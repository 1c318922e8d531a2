using System.Buffers;
using System.Security.Cryptography;

namespace CausalEval.Dr.Adapters.Storage;

/// <summary>Copies stored bytes to their destination while hashing them, and refuses them if the hash is not the recorded one.</summary>
internal static class VerifiedCopy
{
    /// <param name="recordedSha256">What the store recorded with the object.</param>
    /// <param name="expectedSha256">What the caller's manifest says it must be, if it says.</param>
    public static async Task CopyAsync(string key, Stream source, Stream destination, string? recordedSha256, string? expectedSha256,
        CancellationToken cancellationToken)
    {
        if (recordedSha256 is null)
        {
            throw new InvalidDataException($"object '{key}' has no recorded SHA-256: it was not written by CausalEval.Dr or its upload did not finish");
        }

        if (expectedSha256 is not null && expectedSha256 != recordedSha256)
        {
            throw new ChecksumMismatchException(key, expectedSha256, recordedSha256);
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 20); // large reads: fewer system calls on a local file
        try
        {
            int read;
            while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        var actual = Convert.ToHexStringLower(hash.GetHashAndReset());
        if (actual != recordedSha256)
        {
            throw new ChecksumMismatchException(key, recordedSha256, actual);
        }
    }
}
