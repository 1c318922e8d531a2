using CausalEval.Dr.Local.Hosting;
using Microsoft.AspNetCore.Builder;

namespace CausalEval.Dr.Local.Cli;

/// <summary>
/// Finds the `dr serve` of this state directory; when none answers, embeds a host in this process for
/// the duration of the command (with a worker only if the command needs orchestrations to run).
/// </summary>
public sealed class HostConnection : IAsyncDisposable
{
    private readonly WebApplication? embedded;

    private HostConnection(ApiClient client, WebApplication? embedded)
    {
        Client = client;
        this.embedded = embedded;
    }

    public ApiClient Client { get; }

    /// <summary>True when this command runs the host itself: orchestrations stop with the command.</summary>
    public bool IsEmbedded => embedded is not null;

    public static async Task<HostConnection> OpenAsync(StateDirectory state, string? settings, bool needsWorker, CancellationToken cancellationToken,
        bool monitor = false)
    {
        var token = state.ApiToken();
        // Only the very `dr serve` that wrote serve.json gets the token: a dead one's port may be anyone's now.
        if (state.RunningServer() is { } server && await AnswersAsync(server.Url))
        {
            return new HostConnection(new ApiClient(server.Url, token), null);
        }

        var app = await LocalHost.StartAsync(state, settings, HostMode.Embedded(needsWorker, monitor), cancellationToken);
        return new HostConnection(new ApiClient(LocalHost.BaseUrl(app), token), app);
    }

    public static async Task<bool> AnswersAsync(string url)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        try
        {
            return (await http.GetAsync(new Uri(new Uri(url), "/healthz"))).IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (embedded is not null)
        {
            await embedded.StopAsync();
            await embedded.DisposeAsync();
        }
    }
}
