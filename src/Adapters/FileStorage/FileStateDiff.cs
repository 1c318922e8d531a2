namespace CausalEval.Dr.Adapters.FileStorage;

/// <summary>How a store's objects under a prefix differ from a point's state: counts, and the first keys of each kind for a message.</summary>
public sealed record FileStateDifference(long Matching, long Missing, long Extra, long WrongSize, IReadOnlyList<string> Examples)
{
    public bool Same => Missing == 0 && Extra == 0 && WrongSize == 0;

    public string Describe() => Same ? $"{Matching} objects as the point has them"
        : $"{Missing} missing, {Extra} not in the point, {WrongSize} of another size (e.g. {string.Join(", ", Examples)})";
}

/// <summary>Compares a store's listing with a point's state in one pass over both (each in key order): millions of keys, little memory.</summary>
public static class FileStateDiff
{
    private const int MaxExamples = 10;

    /// <param name="onExtra">Called for each object the store has and the point has not (a restore with replace deletes it).</param>
    public static async Task<FileStateDifference> CompareAsync(IFileStore store, FileBackupStore backups, FilePoint point, string prefix,
        Func<FileObject, Task>? onExtra = null, CancellationToken cancellationToken = default)
    {
        long matching = 0, missing = 0, extra = 0, wrongSize = 0;
        var examples = new List<string>();
        void Example(string what)
        {
            if (examples.Count < MaxExamples)
            {
                examples.Add(what);
            }
        }

        await using var expected = backups.StateAsync(point, prefix, cancellationToken).GetAsyncEnumerator(cancellationToken);
        var hasExpected = await expected.MoveNextAsync();
        await foreach (var found in store.ListAllAsync(prefix, cancellationToken))
        {
            while (hasExpected && FileStores.CompareKeys(expected.Current.Key, found.Key) < 0)
            {
                missing++;
                Example($"missing {expected.Current.Key}");
                hasExpected = await expected.MoveNextAsync();
            }

            if (hasExpected && expected.Current.Key == found.Key)
            {
                if (expected.Current.Size == found.Size)
                {
                    matching++;
                }
                else
                {
                    wrongSize++;
                    Example($"{found.Key} is {found.Size} bytes, not {expected.Current.Size}");
                }

                hasExpected = await expected.MoveNextAsync();
                continue;
            }

            extra++;
            Example($"extra {found.Key}");
            if (onExtra is not null)
            {
                await onExtra(found);
            }
        }

        while (hasExpected)
        {
            missing++;
            Example($"missing {expected.Current.Key}");
            hasExpected = await expected.MoveNextAsync();
        }

        return new FileStateDifference(matching, missing, extra, wrongSize, examples);
    }
}
