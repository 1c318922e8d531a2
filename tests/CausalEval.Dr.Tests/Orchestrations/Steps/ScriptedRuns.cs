using System.Text.Json.Nodes;
using CausalEval.Dr.Core.Nodes;
using CausalEval.Dr.Core.Runs;
using CausalEval.Dr.Orchestrations.Steps.Database;
using CausalEval.Dr.Orchestrations.Steps.Runs;

namespace CausalEval.Dr.Tests.Orchestrations.Steps;

/// <summary>What the runbook tests read from a scripted run, and a node agent whose jobs end at once.</summary>
internal static class ScriptedRuns
{
    /// <summary>The run record the runbook wrote as its last step.</summary>
    public static RunRecord RunRecord(this ScriptedOrchestrationContext context) =>
        (RunRecord)context.Inputs.Single(i => i.Activity == nameof(RecordRun)).Input!;

    /// <summary>The names of the steps the run recorded, in order.</summary>
    public static List<string> StepNames(this ScriptedOrchestrationContext context) => context.RunRecord().Steps.Select(s => s.Name).ToList();

    /// <summary>Agent jobs that end at once with <paramref name="result"/> of their request; a job of <paramref name="failingKind"/> fails.</summary>
    public static ScriptedOrchestrationContext JobsEndAtOnce(this ScriptedOrchestrationContext context, Func<AgentJobRequest, JsonObject?>? result = null,
        string? failingKind = null) =>
        context.On(nameof(StartNodeJob), (input, _) =>
        {
            var job = (NodeJobInput)input!;
            var failed = job.Request!.Kind == failingKind;
            return new AgentJob(job.JobId, job.Request, failed ? AgentJobState.Failed : AgentJobState.Succeeded, DateTimeOffset.UnixEpoch,
                DateTimeOffset.UnixEpoch, null, result?.Invoke(job.Request) ?? new JsonObject(), failed ? "disk full" : null);
        });

    /// <summary>The kinds of the agent jobs the run started, in order.</summary>
    public static List<string> JobKinds(this ScriptedOrchestrationContext context) =>
        context.Inputs.Where(i => i.Activity == nameof(StartNodeJob)).Select(i => ((NodeJobInput)i.Input!).Request!.Kind).ToList();
}
