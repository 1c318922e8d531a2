using System.Text.Json;

namespace CausalEval.Dr.Workload;

/// <summary>
/// Request counters, appended every 10 s as one JSON line to <c>metrics/{yyyy-MM-dd}.jsonl</c> beside the
/// instance's config file: the metrics the daily metrics backup takes.
/// </summary>
public sealed class WorkloadMetrics
{
    private long accepted;
    private long failed;

    public void Record(bool ok) => Interlocked.Increment(ref ok ? ref accepted : ref failed);

    public async Task WriteEveryAsync(WorkloadOptions options, TimeSpan interval, CancellationToken cancellationToken)
    {
        var directory = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(options.ConfigFile))!, "metrics");
        Directory.CreateDirectory(directory);
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                var now = DateTimeOffset.UtcNow;
                var line = JsonSerializer.Serialize(new
                {
                    at = now,
                    region = options.Region,
                    instance = $"{options.Address}:{options.Port}",
                    evaluationsAccepted = Interlocked.Exchange(ref accepted, 0),
                    evaluationsFailed = Interlocked.Exchange(ref failed, 0),
                });
                await File.AppendAllTextAsync(Path.Combine(directory, $"{now:yyyy-MM-dd}.jsonl"), line + "\n", cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
