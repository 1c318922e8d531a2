using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using CausalEval.Dr.Adapters.Dns;
using CausalEval.Dr.Core.Topology;

namespace CausalEval.Dr.Adapters.Probing;

/// <summary>
/// Writes and reads evaluations the way a client does: through the service's public name, looked up at the zone's
/// server on every connection (no connection reuse, so a moved record is seen at once; resolver caches are the TTL's
/// business and the report gives the TTL beside).
/// </summary>
public sealed class PublicNameClient : IDisposable
{
    private readonly HttpClient http;
    private int next;

    public PublicNameClient(DnsZone zone, ServiceApiOptions api)
    {
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.Zero,
            ConnectTimeout = TimeSpan.FromSeconds(2),
            ConnectCallback = async (context, ct) =>
            {
                var addresses = await zone.AnswerAsync(api.Record, ct);
                if (addresses.Count == 0)
                {
                    throw new HttpRequestException($"{context.DnsEndPoint.Host}: no address");
                }

                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(IPAddress.Parse(addresses[Interlocked.Increment(ref next) % addresses.Count]), context.DnsEndPoint.Port, ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        http = new HttpClient(handler) { BaseAddress = new Uri($"{api.Scheme}://{zone.Fqdn(api.Record)}:{api.Port}"), Timeout = TimeSpan.FromSeconds(5) };
    }

    /// <summary>One write, and when acknowledged, its read-back. Never throws for what the service or the network did: that is the finding.</summary>
    public async Task<ProbeEntry> WriteAsync(string drill, string session, long seq, CancellationToken cancellationToken)
    {
        var sentAt = DateTimeOffset.UtcNow;
        try
        {
            using var response = await http.PostAsJsonAsync("/evaluations", new { clientId = $"{drill}/{session}/{seq}", payload = new { drill, seq } },
                cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            var at = DateTimeOffset.UtcNow;
            if (response.StatusCode != HttpStatusCode.Created)
            {
                return new ProbeEntry(session, seq, sentAt, at, false, null, null, null, $"{(int)response.StatusCode}: {Shorten(body)}");
            }

            var json = JsonNode.Parse(body)!;
            var id = json["id"]!.GetValue<long>();
            return new ProbeEntry(session, seq, sentAt, at, true, id, json["region"]?.GetValue<string>(), await ReadBackAsync(id, cancellationToken), null);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or SocketException or JsonException or DnsClient.DnsResponseException
                                      && !cancellationToken.IsCancellationRequested)
        {
            return new ProbeEntry(session, seq, sentAt, DateTimeOffset.UtcNow, false, null, null, null, $"{e.GetType().Name}: {Shorten(e.Message)}");
        }
    }

    /// <summary>Whether evaluation <paramref name="id"/> is there now (null: the service did not answer either way).</summary>
    public async Task<bool?> ExistsAsync(long id, CancellationToken cancellationToken)
    {
        try
        {
            using var read = await http.GetAsync($"/evaluations/{id}", cancellationToken);
            return read.IsSuccessStatusCode ? true : read.StatusCode == HttpStatusCode.NotFound ? false : null;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or SocketException && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    private async Task<bool> ReadBackAsync(long id, CancellationToken cancellationToken)
    {
        try
        {
            using var read = await http.GetAsync($"/evaluations/{id}", cancellationToken);
            return read.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or SocketException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private static string Shorten(string text) => text.Length > 200 ? text[..200] : text;

    public void Dispose() => http.Dispose();
}
