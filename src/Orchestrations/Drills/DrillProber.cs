using System.Collections.Concurrent;
using System.Diagnostics;
using CausalEval.Dr.Adapters.Dns;
using CausalEval.Dr.Adapters.Probing;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Topology;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CausalEval.Dr.Orchestrations.Drills;

/// <summary>
/// The drills' independent prober: it runs in the control plane (both hosts), outside every region a drill breaks, and
/// while a drill asks (<see cref="ProbeStore.RequestKey"/>) writes through the service's public name at a steady rate
/// and reads each acknowledged write back. Its ledger goes to the object store once a second, so it outlives the
/// process: a restarted control plane picks the request up under a new session, and the time between is "prober
/// down", never outage. One process holds the lease at a time, so scaled-out hosts do not double the rate.
/// </summary>
public sealed class DrillProber(IServiceProvider services, ILogger<DrillProber> logger) : BackgroundService
{
    private static readonly TimeSpan Flush = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LeaseFor = TimeSpan.FromSeconds(5);
    private readonly string owner = $"{Environment.ProcessId}-{Guid.NewGuid():N}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        ProbeStore? probes = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                probes ??= new ProbeStore(services.GetRequiredService<IObjectStore>());
                if (await probes.RequestAsync(stoppingToken) is { Active: true } request && await TryHoldLeaseAsync(probes, stoppingToken))
                {
                    await ProbeAsync(probes, request, stoppingToken);
                    continue;
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The store or the configuration: the prober waits and asks again, it never takes the host down.
                logger.LogWarning("drill prober: {Error}", e.Message);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private async Task<bool> TryHoldLeaseAsync(ProbeStore probes, CancellationToken cancellationToken)
    {
        var lease = await probes.LeaseAsync(cancellationToken);
        if (lease is not null && lease.Owner != owner && lease.Until > DateTimeOffset.UtcNow)
        {
            return false;
        }

        await probes.PutLeaseAsync(new ProberLease(owner, DateTimeOffset.UtcNow + LeaseFor), cancellationToken);
        // The store has no compare-and-set: two takers settle on the last writer, read back after both wrote.
        await Task.Delay(200, cancellationToken);
        return (await probes.LeaseAsync(cancellationToken))?.Owner == owner;
    }

    private async Task ProbeAsync(ProbeStore probes, ProbeRequest request, CancellationToken stoppingToken)
    {
        var topology = services.GetRequiredService<TopologyOptions>();
        using var client = new PublicNameClient(services.GetRequiredService<DnsZone>(), topology.Api);
        var session = Guid.NewGuid().ToString("N")[..8];
        logger.LogInformation("drill prober: {Drill} at {Rate}/s, session {Session}", request.Drill, request.Rate, session);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var done = new ConcurrentQueue<ProbeEntry>();
        var writing = WriteSteadilyAsync(client, request, session, done, stop.Token);

        var from = DateTimeOffset.UtcNow;
        var stillAsked = true;
        while (stillAsked && !stoppingToken.IsCancellationRequested)
        {
            await Task.Delay(Flush, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            from = await FlushAsync(probes, request.Drill, session, from, done, stoppingToken);
            try
            {
                var current = await probes.RequestAsync(stoppingToken);
                stillAsked = current is { Active: true } && current.Drill == request.Drill
                    && (await probes.LeaseAsync(stoppingToken))?.Owner == owner;
                if (stillAsked)
                {
                    await probes.PutLeaseAsync(new ProberLease(owner, DateTimeOffset.UtcNow + LeaseFor), stoppingToken);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning("drill prober: the store did not answer ({Error}); writing on", e.Message);
            }
        }

        await stop.CancelAsync();
        await writing;
        await FlushAsync(probes, request.Drill, session, from, done, CancellationToken.None);
        await probes.PutLeaseAsync(new ProberLease(owner, DateTimeOffset.UtcNow), CancellationToken.None);
        logger.LogInformation("drill prober: {Drill} stopped", request.Drill);
    }

    private static async Task WriteSteadilyAsync(PublicNameClient client, ProbeRequest request, string session, ConcurrentQueue<ProbeEntry> done,
        CancellationToken cancellationToken)
    {
        var inflight = new List<Task>();
        var clock = Stopwatch.StartNew();
        var interval = TimeSpan.FromSeconds(1 / request.Rate);
        for (long seq = 1; !cancellationToken.IsCancellationRequested; seq++)
        {
            var wait = interval * (seq - 1) - clock.Elapsed;
            if (wait > TimeSpan.Zero && !await DelayAsync(wait, cancellationToken))
            {
                break;
            }

            var n = seq;
            inflight.Add(Task.Run(async () => done.Enqueue(await client.WriteAsync(request.Drill, session, n, CancellationToken.None)),
                CancellationToken.None));
            inflight.RemoveAll(t => t.IsCompleted);
        }

        await Task.WhenAll(inflight);
    }

    private static async Task<bool> DelayAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(wait, cancellationToken);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>
    /// Writes what finished since <paramref name="from"/> as one chunk (kept for the next flush if the store fails); returns the next
    /// window's start.
    /// </summary>
    private async Task<DateTimeOffset> FlushAsync(ProbeStore probes, string drill, string session, DateTimeOffset from, ConcurrentQueue<ProbeEntry> done,
        CancellationToken cancellationToken)
    {
        var to = DateTimeOffset.UtcNow;
        var entries = new List<ProbeEntry>();
        while (done.TryDequeue(out var entry))
        {
            entries.Add(entry);
        }

        try
        {
            await probes.WriteChunkAsync(new ProbeChunk(drill, session, from, to, entries), cancellationToken);
            return to;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("drill prober: a ledger chunk was not stored ({Error}); it goes with the next", e.Message);
            foreach (var entry in entries)
            {
                done.Enqueue(entry);
            }

            return from;
        }
    }
}
