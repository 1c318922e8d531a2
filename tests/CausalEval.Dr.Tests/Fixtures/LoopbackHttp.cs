using System.Net;
using CausalEval.Dr.Adapters.Processes;

namespace CausalEval.Dr.Tests.Fixtures;

/// <summary>
/// An HTTP listener on a free loopback port that hands each request to <paramref name="answer"/> on a task of its own
/// (a watch may stay open while other requests come): the stand-ins for cloud APIs that cannot run here are built on it.
/// </summary>
public sealed class LoopbackHttp : IDisposable
{
    private readonly HttpListener listener = new();
    private readonly Func<HttpListenerContext, Task> answer;

    public LoopbackHttp(Func<HttpListenerContext, Task> answer)
    {
        this.answer = answer;
        Endpoint = Ports.OnFreePort("a loopback HTTP stand-in", ["127.0.0.1"], port => StartOn(listener, $"http://127.0.0.1:{port}"));
        _ = Task.Run(AcceptAsync);
    }

    public string Endpoint { get; }

    /// <summary>Starts <paramref name="listener"/> on <paramref name="endpoint"/>; a port taken since it was picked is <see cref="PortTakenException"/>
    /// (another is tried).</summary>
    public static string StartOn(HttpListener listener, string endpoint)
    {
        listener.Prefixes.Clear();
        listener.Prefixes.Add(endpoint + "/");
        try
        {
            listener.Start();
            return endpoint;
        }
        catch (HttpListenerException e) when (e.ErrorCode == 98 || PortTakenException.Says(e.Message)) // EADDRINUSE
        {
            throw new PortTakenException($"{endpoint}: {e.Message}");
        }
    }

    public bool Listening => listener.IsListening;

    public void Dispose() => listener.Close();

    /// <summary>Answers one request with <paramref name="body"/> and closes it.</summary>
    public static async Task ReplyAsync(HttpListenerResponse response, int status, string contentType, string body)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(body);
        response.StatusCode = status;
        response.ContentType = contentType;
        await response.OutputStream.WriteAsync(bytes);
        response.Close();
    }

    private async Task AcceptAsync()
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(async () =>
            {
                try
                {
                    await answer(context);
                }
                catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
                {
                    // The client went away (a watch it stopped reading, a test that ended).
                }
            });
        }
    }
}
