using CausalEval.Dr.Core;
using DurableTask.AzureStorage;
using DurableTask.Core;
using Microsoft.DurableTask.Converters;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CausalEval.Dr.Local.Runtime;

/// <summary>
/// The task hub on Azure Storage (Azurite locally): the same engine and storage layout Durable Functions
/// uses in Azure. One service object serves the worker and the client.
/// </summary>
public sealed class LocalTaskHub : IDisposable
{
    public LocalTaskHub(IOptions<LocalRuntimeOptions> options, TaskHubConnection connection, ILoggerFactory loggerFactory)
    {
        var o = options.Value;
        Settings = new AzureStorageOrchestrationServiceSettings
        {
            StorageAccountClientProvider = new StorageAccountClientProvider(connection.ConnectionString),
            TaskHubName = o.TaskHubName,
            WorkerId = o.WorkerId,
            PartitionCount = o.PartitionCount,
            WorkItemQueueVisibilityTimeout = TimeSpan.FromSeconds(o.WorkItemVisibilityTimeoutSeconds),
            ControlQueueVisibilityTimeout = TimeSpan.FromSeconds(o.WorkItemVisibilityTimeoutSeconds),
            MaxQueuePollingInterval = TimeSpan.FromMilliseconds(o.MaxQueuePollingIntervalMs),
            // Per-step latency on Azurite drops to about a third with these (shared/notes, docs/benchmarks.md).
            ExtendedSessionsEnabled = true,
            // A start for an id that exists throws (the API answers 409; singleton starters join) instead of silently doing nothing.
            ThrowExceptionOnInvalidDedupeStatus = true,
            ControlQueueBatchSize = 1,
            LoggerFactory = loggerFactory,
        };
        Service = new AzureStorageOrchestrationService(Settings);
        Client = new TaskHubClient(Service, new CoreDataConverter(DataConverter), loggerFactory);
    }

    /// <summary>The converter shims and client share (see <see cref="CoreDataConverter"/>).</summary>
    public static Microsoft.DurableTask.DataConverter DataConverter { get; } = new JsonDataConverter(DrJson.Options);

    public AzureStorageOrchestrationServiceSettings Settings { get; }

    public AzureStorageOrchestrationService Service { get; }

    public TaskHubClient Client { get; }

    public Task EnsureCreatedAsync() => Service.CreateIfNotExistsAsync();

    public void Dispose() => Service.Dispose();
}

/// <summary>The task hub's storage account. A secret: it lives in configuration only.</summary>
public sealed record TaskHubConnection(string ConnectionString);
