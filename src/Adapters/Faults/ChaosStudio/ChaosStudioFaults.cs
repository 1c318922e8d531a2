using CausalEval.Dr.Core.Errors;

namespace CausalEval.Dr.Adapters.Faults.ChaosStudio;

/// <summary>`Drills:ChaosStudio`: the experiment that takes each region down, and how long its runs are waited for.</summary>
public sealed class ChaosStudioOptions
{
    /// <summary>Where these settings live, for the errors that name one.</summary>
    public const string Path = DrillOptions.Section + ":ChaosStudio";

    public string Endpoint { get; set; } = ChaosStudioExperiments.DefaultEndpoint;

    public string ApiVersion { get; set; } = ChaosStudioExperiments.DefaultApiVersion;

    /// <summary>Region → resource id of the experiment whose run is that region's loss (its faults, targets and duration are the experiment's).</summary>
    public Dictionary<string, string> RegionLoss { get; set; } = new(StringComparer.Ordinal);

    /// <summary>How long a started run may take to show up and reach "Running" (Chaos Studio queues and pre-processes first).</summary>
    public int StartTimeoutSeconds { get; set; } = 300;

    /// <summary>How long a cancelled run may take to end.</summary>
    public int CancelTimeoutSeconds { get; set; } = 300;

    public double PollSeconds { get; set; } = 2;

    /// <summary>The client id of the user-assigned managed identity that may run the experiments; empty: Azure.Identity's default chain.</summary>
    public string ManagedIdentityClientId { get; set; } = "";
}

/// <summary>
/// Region loss by Azure Chaos Studio: each lost region's experiment is started, and the injection returns once its run is
/// running (the fault is in force); the undo cancels a run still going and waits for it to end. A run already going is
/// adopted, never started twice (a start that timed out may have been accepted); every region's experiment id is checked
/// before anything starts.
/// </summary>
public sealed class ChaosStudioFaults(ChaosStudioExperiments experiments, ChaosStudioOptions options, TimeProvider? clock = null) : IFaultInjector
{
    private readonly TimeProvider time = clock ?? TimeProvider.System;

    public string Name => "chaos-studio";

    public async Task<FaultInjected> InjectAsync(FaultRequest fault, CancellationToken cancellationToken = default)
    {
        var targets = ExperimentsOf(fault);
        var actions = new List<string>();
        var alreadyActive = true;
        foreach (var (region, experiment) in targets)
        {
            var before = await experiments.ExecutionsAsync(experiment, cancellationToken);
            if (before.FirstOrDefault(e => !e.Finished) is { } going)
            {
                actions.Add($"{region}: experiment {experiment}: run {going.Id} already {going.Status}, adopted");
                await WaitRunningAsync(region, experiment, going.Id, cancellationToken);
                continue;
            }

            alreadyActive = false;
            await experiments.StartAsync(experiment, cancellationToken);
            var started = await WaitStartedAsync(region, experiment, before.Select(e => e.Id).ToHashSet(), cancellationToken);
            var running = await WaitRunningAsync(region, experiment, started.Id, cancellationToken);
            actions.Add($"{region}: experiment {experiment}: run {running.Id} {running.Status}");
        }

        return new FaultInjected(Name, time.GetUtcNow(), alreadyActive, actions);
    }

    public async Task<FaultUndone> UndoAsync(FaultRequest fault, CancellationToken cancellationToken = default)
    {
        var targets = ExperimentsOf(fault);
        var actions = new List<string>();
        var wasActive = false;
        foreach (var (region, experiment) in targets)
        {
            if ((await experiments.ExecutionsAsync(experiment, cancellationToken)).FirstOrDefault(e => !e.Finished) is not { } going)
            {
                actions.Add($"{region}: experiment {experiment}: no run going");
                continue;
            }

            wasActive = true;
            await experiments.CancelAsync(experiment, cancellationToken);
            var ended = await PollRunAsync(experiment, going.Id, e => e.Finished, TimeSpan.FromSeconds(options.CancelTimeoutSeconds),
                $"{region}: run {going.Id} of {experiment} did not end after its cancel", cancellationToken);
            actions.Add($"{region}: experiment {experiment}: run {ended.Id} cancelled ({ended.Status})");
        }

        return new FaultUndone(Name, wasActive, actions);
    }

    /// <summary>Every region's experiment, checked before anything is asked of ARM: a missing or malformed id touches nothing.</summary>
    private List<(string Region, string Experiment)> ExperimentsOf(FaultRequest fault)
    {
        if (fault.Regions.Count == 0)
        {
            throw new BadInputException("a region-loss fault needs at least one region");
        }

        return fault.Regions.Select(region => (region, ChaosStudioExperiments.Checked(options.RegionLoss.GetValueOrDefault(region),
            $"{ChaosStudioOptions.Path}:RegionLoss:{region}"))).ToList();
    }

    /// <summary>The run the start created: one that was not listed before it (Chaos Studio answers the start without naming it).</summary>
    private Task<ExperimentExecution> WaitStartedAsync(string region, string experiment, HashSet<string> before, CancellationToken cancellationToken) =>
        PollAsync(async () => (await experiments.ExecutionsAsync(experiment, cancellationToken)).FirstOrDefault(e => !before.Contains(e.Id)),
            _ => true, TimeSpan.FromSeconds(options.StartTimeoutSeconds),
            _ => $"{region}: experiment {experiment} was started but no run of it appeared within {options.StartTimeoutSeconds} s", cancellationToken);

    /// <summary>Until the run is running or over; a run that failed (or was cancelled by someone) before the fault took effect fails the injection.</summary>
    private async Task<ExperimentExecution> WaitRunningAsync(string region, string experiment, string execution, CancellationToken cancellationToken)
    {
        var run = await PollRunAsync(experiment, execution, e => e.Running || e.Finished, TimeSpan.FromSeconds(options.StartTimeoutSeconds),
            $"{region}: run {execution} of {experiment} did not start running", cancellationToken);
        return run.Running || string.Equals(run.Status, "success", StringComparison.OrdinalIgnoreCase)
            ? run
            : throw new InvalidOperationException($"{region}: run {execution} of experiment {experiment} ended {run.Status} before the fault was in force");
    }

    private Task<ExperimentExecution> PollRunAsync(string experiment, string execution, Func<ExperimentExecution, bool> done, TimeSpan timeout,
        string timedOut, CancellationToken cancellationToken) =>
        PollAsync<ExperimentExecution>(async () => await experiments.ExecutionAsync(experiment, execution, cancellationToken), done, timeout,
            run => $"{timedOut} within {timeout.TotalSeconds:0} s (still {run?.Status})", cancellationToken);

    /// <summary>Reads every <see cref="ChaosStudioOptions.PollSeconds"/> until a read (null: nothing yet) satisfies <paramref name="done"/>.</summary>
    private async Task<T> PollAsync<T>(Func<Task<T?>> read, Func<T, bool> done, TimeSpan timeout, Func<T?, string> timedOut,
        CancellationToken cancellationToken) where T : class
    {
        var deadline = time.GetUtcNow() + timeout;
        while (true)
        {
            var value = await read();
            if (value is not null && done(value))
            {
                return value;
            }

            if (time.GetUtcNow() > deadline)
            {
                throw new TimeoutException(timedOut(value));
            }

            await Task.Delay(TimeSpan.FromSeconds(options.PollSeconds), time, cancellationToken);
        }
    }
}
