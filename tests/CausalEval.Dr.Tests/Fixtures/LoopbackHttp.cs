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
        Endpoint = $"http://127.0.0.1:{Ports.FreePort("127.0.0.1")}";
        listener.Prefixes.Add(Endpoint + "/");
        listener.Start();
        _ = Task.Run(AcceptAsync);
    }

    public string Endpoint { get; }

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
