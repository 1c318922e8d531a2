using System.Text;
using System.Text.Json.Nodes;
using CausalEval.Dr.Functions.Http;
using CausalEval.Dr.Local.Runtime;
using CausalEval.Dr.Orchestrations;
using CausalEval.Dr.Tests.Fixtures;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CausalEval.Dr.Tests.Functions.Http;

/// <summary>
/// The Functions app's HTTP functions, in process: its services as its Program registers them (AddDrServices),
/// a programming-model durable client on the same task hub and store as a `dr serve` of
/// <paramref name="environment"/>, and real ASP.NET Core requests, whose responses are executed to bytes.
/// </summary>
public sealed class FunctionsHttp : IAsyncDisposable
{
    private readonly ServiceProvider services;
    private readonly LocalTaskHub hub;

    public FunctionsHttp(DrEnvironment environment)
    {
        var settings = environment.Variables.Where(v => v.Key.StartsWith("DR_", StringComparison.Ordinal))
            .ToDictionary(v => v.Key[3..].Replace("__", ":"), v => (string?)v.Value);
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(RepoPaths.Root, "config", "dr.settings.json"))
            .AddInMemoryCollection(settings)
            .Build();
        // As the app's Program registers them: its callers as App Service authentication names them, then the shared services.
        services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration)
            .AddSingleton<CausalEval.Dr.Orchestrations.Http.ICallerIdentity, AppServiceCallers>().AddDrServices(configuration).BuildServiceProvider();
        var runtime = new LocalRuntimeOptions();
        configuration.GetSection(LocalRuntimeOptions.Section).Bind(runtime);
        hub = new LocalTaskHub(Options.Create(runtime), new TaskHubConnection(configuration["AzureWebJobsStorage"]!), NullLoggerFactory.Instance);
        Client = new TaskHubDurableClient(hub);
        Functions = ActivatorUtilities.CreateInstance<OperatorFunctions>(services);
    }

    public OperatorFunctions Functions { get; }

    /// <summary>Makes the task hub's tables and queues when no `dr serve` has (requests that start nothing need no worker).</summary>
    public Task EnsureTaskHubAsync() => hub.EnsureCreatedAsync();

    public DurableTaskClient Client { get; }

    public sealed record Answer(int Status, JsonNode? Body, string Text);

    /// <summary>A request as the Functions host hands it over: method, path, query and body of the call.</summary>
    /// <param name="headers">What the front end adds (App Service authentication's principal header, say).</param>
    public HttpRequest Request(string method, string pathAndQuery, string? body = null, IReadOnlyDictionary<string, string>? headers = null)
    {
        var http = new DefaultHttpContext { RequestServices = services };
        var (path, query) = pathAndQuery.IndexOf('?') is var q and >= 0 ? (pathAndQuery[..q], pathAndQuery[q..]) : (pathAndQuery, "");
        http.Request.Method = method;
        http.Request.Scheme = "https";
        http.Request.Host = new HostString("causal-eval-dr.azurewebsites.net");
        http.Request.Path = path;
        http.Request.QueryString = new QueryString(query);
        http.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(body ?? ""));
        http.Request.ContentType = "application/json";
        http.Response.Body = new MemoryStream();
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            http.Request.Headers[name] = value;
        }

        return http.Request;
    }

    /// <summary>Runs a function's result as the host would, and reads back the status and the bytes sent.</summary>
    public static async Task<Answer> SendAsync(HttpRequest request, Task<IResult> function)
    {
        await (await function).ExecuteAsync(request.HttpContext);
        var response = request.HttpContext.Response;
        response.Body.Position = 0;
        var text = await new StreamReader(response.Body).ReadToEndAsync();
        return new Answer(response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text), text);
    }

    public async Task<int> CountInstancesAsync()
    {
        var count = 0;
        await foreach (var _ in Client.GetAllInstancesAsync(new OrchestrationQuery { PageSize = 1000 }))
        {
            count++;
        }

        return count;
    }

    public async ValueTask DisposeAsync()
    {
        await services.DisposeAsync();
        hub.Dispose();
    }
}
