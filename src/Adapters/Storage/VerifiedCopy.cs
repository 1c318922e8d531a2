using System.Security.Cryptography;

namespace CausalEval.Dr.Adapters.Storage;

/// <summary>Copies stored bytes to their destination while hashing them, and refuses them if the hash is not the recorded one.</summary>
internal static class VerifiedCopy
{
    public static async Task CopyAsync(string key, Stream source, Stream destination, string? expectedSha256, CancellationToken cancellationToken)
    {
        if (expectedSha256 is null)
        {
            throw new InvalidDataException($"object '{key}' has no recorded SHA-256: it was not written by CausalEval.Dr or its upload did not finish");
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[128 * 1024];
        int read;
        while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }

        var actual = Convert.ToHexStringLower(hash.GetHashAndReset());
        if (actual != expectedSha256)
        {
            throw new ChecksumMismatchException(key, expectedSha256, actual);
        }
    }
}
