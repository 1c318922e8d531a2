using CausalEval.Dr.Adapters.Storage;
using Microsoft.Extensions.Logging;

namespace CausalEval.Dr.Orchestrations.Backups;

/// <summary>Removes what unfinished uploads left under a prefix: once older than the grace, and only if no live attempt may still own it.</summary>
internal static class UnfinishedUploads
{
    /// <param name="mayBeLive">Given the key an upload was writing: true while an attempt that could still be writing it is running.</param>
    public static async Task<IReadOnlyList<string>> RemoveAsync(IObjectStore store, string prefix, TimeSpan grace, DateTimeOffset nowUtc,
        Func<string, bool> mayBeLive, ILogger logger)
    {
        var removed = new List<string>();
        foreach (var upload in await store.ListUnfinishedAsync(prefix))
        {
            if (nowUtc - upload.LastWrittenUtc < grace || mayBeLive(upload.Key))
            {
                continue;
            }

            await store.RemoveUnfinishedAsync(upload);
            removed.Add(upload.Key);
            logger.LogInformation("Retention removed an unfinished upload of {Key} ({Bytes} bytes, last written {At:O})", upload.Key, upload.SizeBytes,
                upload.LastWrittenUtc);
        }

        return removed;
    }
}
