using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;

namespace CausalEval.Dr.Tests.Fixtures;

/// <summary>
/// A webhook receiver (or PagerDuty's Events API) on loopback: it keeps every request it got (headers and JSON body) and
/// answers with what <see cref="Answer"/> says for the n-th request (default 202), so a test can make it refuse with 429
/// and a Retry-After, fail with 503, or be down.
/// </summary>
public sealed class FakeAlertReceiver : IDisposable
{
    private readonly LoopbackHttp http;

    public FakeAlertReceiver() => http = new LoopbackHttp(AnswerAsync);

    public string Url => http.Endpoint + "/hook";

    public ConcurrentQueue<Received> Requests { get; } = new();

    /// <summary>For the n-th request (1-based): the status and, for 429/503, the Retry-After seconds.</summary>
    public Func<int, (int Status, int? RetryAfterSeconds)> Answer { get; set; } = _ => (202, null);

    public sealed record Received(DateTimeOffset At, int Status, IReadOnlyDictionary<string, string> Headers, JsonNode Body, string Text);

    /// <summary>Waits until <paramref name="done"/> holds over what was received, failing the test after <paramref name="seconds"/>.</summary>
    public async Task WaitUntilAsync(Func<bool> done, string what, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!done())
        {
            Assert.True(DateTime.UtcNow < deadline, $"no {what} reached the receiver within {seconds} s");
            await Task.Delay(100);
        }
    }

    /// <summary>The first notification the receiver took (2xx), once one came.</summary>
    public async Task<Received> FirstDeliveredAsync(string what, int seconds = 30)
    {
        await WaitUntilAsync(() => Requests.Any(r => r.Status == 202), what, seconds);
        return Requests.First(r => r.Status == 202);
    }

    public void Dispose() => http.Dispose();

    private async Task AnswerAsync(HttpListenerContext context)
    {
        using var reader = new StreamReader(context.Request.InputStream);
        var text = await reader.ReadToEndAsync();
        var (status, retryAfter) = Answer(Requests.Count + 1);
        var headers = context.Request.Headers.AllKeys.Where(k => k is not null)
            .ToDictionary(k => k!, k => context.Request.Headers[k]!, StringComparer.OrdinalIgnoreCase);
        Requests.Enqueue(new Received(DateTimeOffset.UtcNow, status, headers, JsonNode.Parse(text)!, text));
        if (retryAfter is { } seconds)
        {
            context.Response.Headers["Retry-After"] = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        var reply = status == 202 ? """{"status":"success","message":"Event processed"}""" : "{}";
        await LoopbackHttp.ReplyAsync(context.Response, status, "application/json", reply);
    }
}
