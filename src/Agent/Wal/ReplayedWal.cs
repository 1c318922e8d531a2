using CausalEval.Dr.Adapters.Postgres;

namespace CausalEval.Dr.Agent.Wal;

/// <summary>
/// Keeps the WAL a recovering server has replayed out of the page cache. PostgreSQL keeps every segment it
/// restored in pg_wal until the end of the recovery, and their pages stay cached though nothing reads them
/// again: a recovery replaying gigabytes beside a running cluster would push that cluster's pages out of the
/// cache, and the replay's own new relation pages would have to come from memory the kernel must first find.
/// So a prefetched segment is handed to writeback as soon as it is written (<see cref="WalPrefetcher"/>: its
/// pages are clean by the time it is replayed), and once the server has moved two segments past it, its cached
/// pages are released.
/// </summary>
internal static class ReplayedWal
{
    /// <summary>Drops the cached pages of pg_wal/<paramref name="segment"/> in <paramref name="dataDirectory"/>; a missing file is no error.</summary>
    public static void Release(string dataDirectory, string segment)
    {
        try
        {
            using var file = File.OpenHandle(Path.Combine(dataDirectory, "pg_wal", segment), FileMode.Open, FileAccess.Read);
            PageCache.Drop(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Recycled or removed by the server meanwhile: nothing of it is cached under that name any more.
        }
    }
}
