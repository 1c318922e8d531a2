using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using DnsClient;

namespace CausalEval.Dr.Lab.Load;

/// <param name="Written">Acknowledged writes (the workload answered 201 after commit).</param>
/// <param name="Failed">Attempts that got an error or no answer.</param>
public sealed record LoadSummary(string RunId, string Ledger, int Attempts, int Written, int Failed, double P50Ms, double P99Ms);

/// <summary>
/// Writes evaluations at a fixed rate for a fixed time, resolving <c>api.{zone}</c> through the lab's DNS
/// on every connection (no connection reuse), and records every attempt in a JSON-lines ledger:
/// acknowledged writes with their id and client timestamps, failures with their error. Later issues read
/// the ledger for downtime as clients saw it (RTO) and lost acknowledged writes (RPO).
/// </summary>
public sealed class LoadGenerator(string dnsAddress, int dnsPort, string zone, int apiPort)
{
    private static readonly JsonSerializerOptions LedgerJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private int next;

    public async Task<LoadSummary> RunAsync(double ratePerSecond, TimeSpan duration, string ledgerFile, CancellationToken cancellationToken = default)
    {
        if (ratePerSecond is <= 0 or > 2000 || duration <= TimeSpan.Zero || duration > TimeSpan.FromHours(2))
        {
            throw new ArgumentException($"rate must be in (0, 2000] per second and duration in (0 s, 2 h] (got {ratePerSecond}/s for {duration})");
        }

        var runId = $"load-{DateTime.UtcNow:yyyyMMddTHHmmss}-{Guid.NewGuid().ToString("N")[..6]}";
        var dns = new LookupClient(new LookupClientOptions(new IPEndPoint(IPAddress.Parse(dnsAddress), dnsPort)) { UseCache = false,
            Timeout = TimeSpan.FromSeconds(1), Retries = 0 });
        using var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.Zero, // a new connection, so a new DNS lookup, per request
            ConnectTimeout = TimeSpan.FromSeconds(2),
            ConnectCallback = async (context, ct) =>
            {
                var answer = await dns.QueryAsync(context.DnsEndPoint.Host, QueryType.A, cancellationToken: ct);
                var addresses = answer.Answers.ARecords().Select(a => a.Address).ToList();
                if (addresses.Count == 0)
                {
                    throw new HttpRequestException($"{context.DnsEndPoint.Host}: no A record");
                }

                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(addresses[Interlocked.Increment(ref next) % addresses.Count], context.DnsEndPoint.Port, ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        using var http = new HttpClient(handler) { BaseAddress = new Uri($"http://api.{zone}:{apiPort}"), Timeout = TimeSpan.FromSeconds(10) };

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(ledgerFile))!);
        await using var ledger = new StreamWriter(ledgerFile, append: false);
        var gate = new SemaphoreSlim(1);
        var inflight = new List<Task>();
        var latencies = new List<double>();
        var (written, failed) = (0, 0);
        var clock = Stopwatch.StartNew();
        var interval = TimeSpan.FromSeconds(1 / ratePerSecond);
        var attempts = (int)Math.Floor(duration.TotalSeconds * ratePerSecond);
        for (var seq = 1; seq <= attempts && !cancellationToken.IsCancellationRequested; seq++)
        {
            // The clock is read once: read again for the delay, it could have passed `due` by more than a millisecond
            // meanwhile, and Task.Delay refuses a negative wait (it failed a switchover drill that way).
            var wait = interval * (seq - 1) - clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(wait, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    break; // stopped early (a drill ends the load when it has what it measures)
                }
            }

            var n = seq;
            inflight.Add(Task.Run(async () =>
            {
                var entry = await AttemptAsync(http, runId, n);
                await gate.WaitAsync();
                try
                {
                    await ledger.WriteLineAsync(entry.ToJsonString(LedgerJson));
                    if (entry["ok"]!.GetValue<bool>())
                    {
                        written++;
                        latencies.Add(entry["latencyMs"]!.GetValue<double>());
                    }
                    else
                    {
                        failed++;
                    }
                }
                finally
                {
                    gate.Release();
                }
            }, CancellationToken.None));
        }

        await Task.WhenAll(inflight);
        latencies.Sort();
        double Percentile(double p) => latencies.Count == 0 ? 0 : latencies[(int)Math.Min(latencies.Count - 1, Math.Floor(p * latencies.Count))];
        return new LoadSummary(runId, Path.GetFullPath(ledgerFile), inflight.Count, written, failed, Percentile(0.5), Percentile(0.99));
    }

    private static async Task<JsonObject> AttemptAsync(HttpClient http, string runId, int seq)
    {
        var sentAt = DateTimeOffset.UtcNow;
        var timer = Stopwatch.StartNew();
        var entry = new JsonObject { ["run"] = runId, ["seq"] = seq, ["sentAt"] = sentAt.ToString("O") };
        try
        {
            using var response = await http.PostAsJsonAsync("/evaluations", new { clientId = $"{runId}/{seq}", payload = new { seq } });
            var body = await response.Content.ReadAsStringAsync();
            entry["status"] = (int)response.StatusCode;
            entry["ackAt"] = DateTimeOffset.UtcNow.ToString("O");
            entry["latencyMs"] = Math.Round(timer.Elapsed.TotalMilliseconds, 2);
            if (response.StatusCode == HttpStatusCode.Created)
            {
                var json = JsonNode.Parse(body)!;
                entry["ok"] = true;
                entry["id"] = json["id"]!.GetValue<long>();
                entry["region"] = json["region"]?.GetValue<string>();
                entry["instance"] = json["instance"]?.GetValue<string>();
            }
            else
            {
                entry["ok"] = false;
                entry["error"] = body.Length > 300 ? body[..300] : body;
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or DnsResponseException or SocketException or JsonException)
        {
            entry["ok"] = false;
            entry["failedAt"] = DateTimeOffset.UtcNow.ToString("O");
            entry["error"] = $"{e.GetType().Name}: {e.Message}";
        }

        return entry;
    }
}
