using System.Threading.Channels;

namespace CausalEval.Dr.Adapters.Postgres;

/// <summary>
/// Flushes written files to disk on a background task while the restore goes on writing the next ones, so
/// the disk works during decompression instead of all at once when PostgreSQL starts (its start-up syncs the
/// whole data directory after a restore). When <see cref="CompleteAsync"/> returns every file is durable.
/// </summary>
internal sealed class BackgroundFsync
{
    private readonly Channel<string> queue = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task worker;

    public BackgroundFsync() => worker = Task.Run(FlushAllAsync);

    public void Enqueue(string path) => queue.Writer.TryWrite(path);

    public async Task CompleteAsync()
    {
        queue.Writer.TryComplete();
        await worker;
    }

    private async Task FlushAllAsync()
    {
        await foreach (var path in queue.Reader.ReadAllAsync())
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, 1);
            file.Flush(flushToDisk: true);
        }
    }
}
