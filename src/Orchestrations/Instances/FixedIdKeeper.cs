using CausalEval.Dr.Orchestrations.Registry;

namespace CausalEval.Dr.Orchestrations.Instances;

/// <summary>What keeping a fixed-id runbook running needs of a host's client (the local task hub, the Functions durable client).</summary>
public interface IFixedIdInstances
{
    Task<InstanceInfo?> GetAsync(string instanceId, CancellationToken cancellationToken = default);

    Task TerminateAsync(string instanceId, string reason, CancellationToken cancellationToken = default);

    /// <summary>Starts the instance unless one with that id is active (an ended one is replaced); false when one was active.</summary>
    Task<bool> StartUnlessActiveAsync(string orchestrator, string version, string instanceId, object? input, CancellationToken cancellationToken = default);
}

/// <summary>
/// Keeps a runbook whose row fixes its id (<see cref="StartPolicy.FixedId"/>: the health monitor) running under that id,
/// for both hosts alike: started when missing or ended (a crashed host, a terminate), left alone while it runs, so a
/// restarted host never makes a second. Only that runbook counts: anything else running under its id is ended first.
/// </summary>
public static class FixedIdKeeper
{
    /// <summary>One look and what it needs; returns what it did ("running", "started (new)", …) for the host's log.</summary>
    public static async Task<string> KeepAsync(IFixedIdInstances hub, RunbookDefinition runbook, string version, object? input,
        CancellationToken cancellationToken)
    {
        if (runbook.Start != StartPolicy.FixedId || runbook.ReservedId is not { } id)
        {
            throw new ArgumentException($"{runbook.Name} has no fixed id", nameof(runbook));
        }

        var instance = await hub.GetAsync(id, cancellationToken);
        var ended = "";
        if (instance is { IsActive: true })
        {
            if (instance.Name == runbook.Name)
            {
                return "running";
            }

            await hub.TerminateAsync(id, $"the id {id} is reserved for {runbook.Name}", cancellationToken);
            for (var waited = 0; waited < 300 && (await hub.GetAsync(id, cancellationToken))?.IsActive == true; waited++)
            {
                await Task.Delay(100, cancellationToken);
            }

            ended = $"ended {instance.Name} that ran under its id, ";
        }

        return await hub.StartUnlessActiveAsync(runbook.Name, version, id, input, cancellationToken)
            ? $"{ended}started ({instance?.Status ?? "new"})"
            : $"{ended}started meanwhile by another host";
    }
}
