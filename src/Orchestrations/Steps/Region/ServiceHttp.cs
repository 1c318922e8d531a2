namespace CausalEval.Dr.Orchestrations.Steps.Region;

/// <summary>The HTTP client failover steps reach the service's instances with (short timeout: a step retries, it does not hang).</summary>
public sealed class ServiceHttp : IDisposable
{
    public HttpClient Client { get; } = new() { Timeout = TimeSpan.FromSeconds(10) };

    public void Dispose() => Client.Dispose();
}
