using System.Collections.Concurrent;
using System.Net;
using CausalEval.Dr.Adapters.Processes;

namespace CausalEval.Dr.Tests.Fixtures;

/// <summary>
/// A loopback HTTP proxy in front of a real S3 server (s3rver) that records every request and can answer
/// some of them itself, the way real S3 fails: a 500 for part N, or S3's refusal to copy an object over
/// 5 GiB. Requests are forwarded unchanged (Host included), so their SigV4 signatures still verify.
/// </summary>
public sealed class S3FaultProxy : IDisposable
{
    private readonly HttpListener listener = new();
    private readonly HttpClient upstream;
    private readonly Func<Request, (int Status, string Code)?> fault;
    private readonly Func<Request, byte[], byte[]> alterBody;

    public sealed record Request(string Method, string PathAndQuery, bool IsCopy, int Sequence);

    public ConcurrentQueue<Request> Requests { get; } = new();

    public string ServiceUrl { get; }

    /// <param name="fault">Given each request, an error to answer with instead of forwarding it, or null.</param>
    /// <param name="alterBody">Given each request and its body, the body to forward (a flipped bit on the wire).</param>
    public S3FaultProxy(string upstreamUrl, Func<Request, (int Status, string Code)?>? fault = null, Func<Request, byte[], byte[]>? alterBody = null)
    {
        this.alterBody = alterBody ?? ((_, body) => body);
        ServiceUrl = Ports.OnFreePort("the S3 fault proxy", ["127.0.0.1"], port => LoopbackHttp.StartOn(listener, $"http://127.0.0.1:{port}"));
        upstream = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(upstreamUrl) };
        this.fault = fault ?? (_ => null);
        _ = Task.Run(AcceptAsync);
    }

    /// <summary>S3's answer to a copy of an object larger than 5 GiB: every object a backup writes may be one.</summary>
    public static (int, string)? RefuseCopies(Request request) => request.IsCopy ? (400, "InvalidRequest") : null;

    public void Dispose()
    {
        listener.Close();
        upstream.Dispose();
    }

    private async Task AcceptAsync()
    {
        var sequence = 0;
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception) when (!listener.IsListening)
            {
                return;
            }

            var request = new Request(context.Request.HttpMethod, context.Request.RawUrl ?? "/",
                context.Request.Headers["x-amz-copy-source"] is not null, Interlocked.Increment(ref sequence));
            Requests.Enqueue(request);
            _ = Task.Run(() => HandleAsync(context, request));
        }
    }

    private async Task HandleAsync(HttpListenerContext context, Request request)
    {
        try
        {
            if (fault(request) is { } error)
            {
                await DrainAsync(context.Request.InputStream);
                context.Response.StatusCode = error.Status;
                var xml = System.Text.Encoding.UTF8.GetBytes($"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{error.Code}</Code><Message>injected " +
                    $"by the test proxy</Message></Error>");
                context.Response.ContentType = "application/xml";
                await context.Response.OutputStream.WriteAsync(xml);
                context.Response.Close();
                return;
            }

            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            using var forward = new HttpRequestMessage(new HttpMethod(request.Method), request.PathAndQuery);
            if (body.Length > 0 || request.Method is "PUT" or "POST")
            {
                forward.Content = new ByteArrayContent(alterBody(request, body.ToArray()));
            }

            foreach (var name in context.Request.Headers.AllKeys.OfType<string>())
            {
                var value = context.Request.Headers[name]!;
                if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) || name.Equals("Connection", StringComparison.OrdinalIgnoreCase)
                    || name.Equals("Expect", StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                if (!forward.Headers.TryAddWithoutValidation(name, value))
                {
                    forward.Content?.Headers.TryAddWithoutValidation(name, value);
                }
            }

            using var answer = await upstream.SendAsync(forward, HttpCompletionOption.ResponseHeadersRead);
            context.Response.StatusCode = (int)answer.StatusCode;
            foreach (var (name, values) in answer.Headers.Concat(answer.Content.Headers))
            {
                if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) || name.Equals("Connection", StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                {
                    context.Response.ContentLength64 = long.Parse(values.First());
                    continue;
                }

                context.Response.Headers[name] = string.Join(",", values);
            }

            if (request.Method != "HEAD")
            {
                await answer.Content.CopyToAsync(context.Response.OutputStream);
            }

            context.Response.Close();
        }
        catch (Exception)
        {
            context.Response.Abort();
        }
    }

    private static async Task DrainAsync(Stream stream)
    {
        var buffer = new byte[64 * 1024];
        while (await stream.ReadAsync(buffer) > 0)
        {
        }
    }
}
