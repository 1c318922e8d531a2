using Azure.Core.Serialization;
using CausalEval.Dr.Core;
using Microsoft.Azure.Functions.Worker;
using CausalEval.Dr.Orchestrations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

// The same services the local host registers (DrServices); the functions themselves are thin wrappers
// over the classes in DrTasks (Tasks/), a test keeps the two lists equal.
var host = new HostBuilder()
    .ConfigureFunctionsWebApplication() // ASP.NET Core integration: HTTP functions take HttpRequest and return IResult, as the local API
    .ConfigureServices((context, services) =>
    {
        services.AddSingleton<CausalEval.Dr.Orchestrations.Http.ICallerIdentity, CausalEval.Dr.Functions.Http.AppServiceCallers>();
        services.AddDrServices(context.Configuration);
        // The drills' prober runs in the control plane; on a plan that scales to zero it runs while the app is warm (README).
        services.AddHostedService<CausalEval.Dr.Orchestrations.Drills.DrillProber>();
        // Same JSON shape as the local runtime (camelCase, case-insensitive), for inputs, outputs and events.
        services.Configure<WorkerOptions>(o => o.Serializer = new JsonObjectSerializer(DrJson.Options));
    })
    .Build();

host.Run();
