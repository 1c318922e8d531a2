using CausalEval.Dr.Local.Runtime;
using CausalEval.Dr.Orchestrations.Instances;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Dtfx = DurableTask.Core;

namespace CausalEval.Dr.Tests.Orchestrations.Instances;

/// <summary>
/// The same instance state, as the local runtime's client and as the Functions app's durable client report
/// it, gives the same status JSON and the same HTTP code (the Functions endpoint once answered 200 for a
/// failed instance; the local one 400).
/// </summary>
public sealed class Both_hosts_shape_status_alike_test
{
    private static readonly DateTime Created = new(2026, 12, 1, 10, 0, 0, DateTimeKind.Utc);

    [Theory]
    [InlineData(Dtfx.OrchestrationStatus.Completed, OrchestrationRuntimeStatus.Completed, 200)]
    [InlineData(Dtfx.OrchestrationStatus.Failed, OrchestrationRuntimeStatus.Failed, 400)]
    [InlineData(Dtfx.OrchestrationStatus.Terminated, OrchestrationRuntimeStatus.Terminated, 400)]
    [InlineData(Dtfx.OrchestrationStatus.Running, OrchestrationRuntimeStatus.Running, 202)]
    [InlineData(Dtfx.OrchestrationStatus.Pending, OrchestrationRuntimeStatus.Pending, 202)]
    public void Local_and_Functions_answer_the_same_for_the_same_state(Dtfx.OrchestrationStatus local, OrchestrationRuntimeStatus functions, int code)
    {
        var failed = local == Dtfx.OrchestrationStatus.Failed;
        var state = new Dtfx.OrchestrationState
        {
            Name = "BackupDatabase",
            OrchestrationInstance = new Dtfx.OrchestrationInstance { InstanceId = "i-1" },
            OrchestrationStatus = local,
            Input = "{\"keepCount\":3}",
            Status = "{\"step\":\"base backup\"}",
            Output = failed ? null : "{\"backupId\":\"b\"}",
            CreatedTime = Created,
            LastUpdatedTime = Created.AddMinutes(1),
            FailureDetails = failed
                ? new Dtfx.FailureDetails("CausalEval.Dr.Core.Errors.DrBadInputException", "keepCount must be at least 1", null, null, false) : null,
        };
        var metadata = new OrchestrationMetadata("BackupDatabase", "i-1")
        {
            RuntimeStatus = functions,
            SerializedInput = state.Input,
            SerializedCustomStatus = state.Status,
            SerializedOutput = state.Output,
            CreatedAt = Created,
            LastUpdatedAt = Created.AddMinutes(1),
            FailureDetails = failed ? new TaskFailureDetails("CausalEval.Dr.Core.Errors.DrBadInputException", "keepCount must be at least 1", null, null, null)
                : null,
        };

        var fromLocal = InstanceStatusShape.Json(InstanceSnapshot.From(TaskHubDurableClient.Metadata(state, withInputsAndOutputs: true)));
        var fromFunctions = InstanceStatusShape.Json(InstanceSnapshot.From(metadata));

        Assert.Equal(fromLocal.ToJsonString(), fromFunctions.ToJsonString());
        Assert.Equal(code, InstanceStatusShape.HttpStatus(local.ToString()));
        Assert.Equal(code, InstanceStatusShape.HttpStatus(functions.ToString()));
        Assert.Equal(failed, fromLocal["failureDetails"]?["errorKind"] is not null);
    }
}
