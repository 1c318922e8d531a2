using Azure.Core;
using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using CausalEval.Dr.Orchestrations.Steps.Runs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace CausalEval.Dr.Orchestrations;

/// <summary>
/// Where the runs' traces and metrics (<see cref="RunTelemetry"/>) go, the same for both hosts: Azure Monitor when
/// <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is set (the Functions app in Azure), an OTLP collector at
/// <c>Telemetry:OtlpEndpoint</c>, the console with <c>Telemetry:Console</c>; nothing is collected when none is set.
/// Where the Application Insights resource refuses keys (<c>APPLICATIONINSIGHTS_AUTHENTICATION_STRING</c> =
/// "ClientId=…;Authorization=AAD", as infra/bicep sets it), the exporter signs in as that managed identity.
/// </summary>
public static class DrTelemetry
{
    public const string ServiceName = "causal-eval-dr";

    public static IServiceCollection AddDrTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var azureMonitor = configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"] is { Length: > 0 } connection ? connection : null;
        var otlp = configuration["Telemetry:OtlpEndpoint"] is { Length: > 0 } endpoint ? new Uri(endpoint) : null;
        var console = configuration.GetValue<bool>("Telemetry:Console");
        var credential = ManagedIdentityOf(configuration["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]);
        if (azureMonitor is null && otlp is null && !console)
        {
            return services;
        }

        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(ServiceName))
            .WithTracing(tracing =>
            {
                tracing.AddSource(RunTelemetry.Name);
                if (azureMonitor is not null)
                {
                    tracing.AddAzureMonitorTraceExporter(o => (o.ConnectionString, o.Credential) = (azureMonitor, credential));
                }

                if (otlp is not null)
                {
                    tracing.AddOtlpExporter(o => o.Endpoint = otlp);
                }

                if (console)
                {
                    tracing.AddConsoleExporter();
                }
            })
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(RunTelemetry.Name);
                if (azureMonitor is not null)
                {
                    metrics.AddAzureMonitorMetricExporter(o => (o.ConnectionString, o.Credential) = (azureMonitor, credential));
                }

                if (otlp is not null)
                {
                    metrics.AddOtlpExporter(o => o.Endpoint = otlp);
                }

                if (console)
                {
                    metrics.AddConsoleExporter();
                }
            });
        return services;
    }

    /// <summary>"ClientId=…;Authorization=AAD" → that user-assigned identity; otherwise none (the connection string's key is used).</summary>
    internal static TokenCredential? ManagedIdentityOf(string? authentication)
    {
        var parts = (authentication ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1], StringComparer.OrdinalIgnoreCase);
        return parts.GetValueOrDefault("Authorization") is { } mode && mode.Equals("AAD", StringComparison.OrdinalIgnoreCase)
            ? new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(parts.GetValueOrDefault("ClientId")
                ?? throw new Core.Errors.DrConfigurationException(
                "APPLICATIONINSIGHTS_AUTHENTICATION_STRING: Authorization=AAD needs ClientId=<the managed identity's client id>")))
            : null;
    }
}
