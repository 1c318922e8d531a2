using Azure.Core;
using CausalEval.Dr.Adapters.Faults;
using CausalEval.Dr.Adapters.Faults.ChaosStudio;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.Faults;

/// <summary>
/// Region loss through Azure Chaos Studio, against a loopback ARM that checks the wire format (bearer token, api-version,
/// empty POST bodies, 202 + Location, paged execution lists): each region's experiment is started once and the
/// injection returns when its run is running; a throttled start waits for Retry-After and still starts once; a run
/// already going is adopted; the undo cancels only what runs and waits for it to end; bad configuration and ARM's
/// refusals are named, and a refused configuration sends nothing.
/// </summary>
public sealed class Chaos_studio_region_loss_is_started_once_and_cancelled_test : IDisposable
{
    private const string Experiments = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/dr-drills/providers/Microsoft.Chaos/experiments";
    private const string Primary = Experiments + "/lose-primary";
    private const string Secondary = Experiments + "/lose-secondary";

    private readonly FakeChaosStudio arm = new();

    private ChaosStudioFaults Faults(Dictionary<string, string>? regionLoss = null) =>
        new(new ChaosStudioExperiments(ChaosStudioExperiments.CreateClient(arm.Endpoint, new FixedToken()), FakeChaosStudio.ApiVersion, maxRetries: 3),
            new ChaosStudioOptions
            {
                RegionLoss = regionLoss ?? new() { ["primary"] = Primary, ["secondary"] = Secondary },
                PollSeconds = 0.05, StartTimeoutSeconds = 10, CancelTimeoutSeconds = 10,
            });

    private static FaultRequest Lose(params string[] regions) => new("drill-1", regions);

    [Fact]
    public async Task Each_region_is_started_once_running_when_injected_and_cancelled_by_the_undo()
    {
        arm.AddRun(Primary, "success", DateTimeOffset.UtcNow.AddDays(-1)); // an old run: the list is paged, the new run is found past it
        var faults = Faults();

        var injected = await faults.InjectAsync(Lose("primary", "secondary"));

        Assert.False(injected.AlreadyActive);
        Assert.Equal(1, arm.Count("POST", "lose-primary/start"));
        Assert.Equal(1, arm.Count("POST", "lose-secondary/start"));
        Assert.Contains("Running", arm.StatusesOf(Primary));
        Assert.Contains("Running", arm.StatusesOf(Secondary));
        Assert.All(arm.Requests, r => Assert.Equal($"Bearer {FakeChaosStudio.Token}", r.Authorization));
        Assert.All(FixedToken.Scopes, scope => Assert.Equal("https://management.azure.com/.default", scope));
        Assert.All(arm.Requests.Where(r => r.Method == "POST"), r => Assert.Equal(0, r.BodyLength));

        var undone = await faults.UndoAsync(Lose("primary", "secondary"));

        Assert.True(undone.WasActive);
        Assert.Equal(1, arm.Count("POST", "lose-primary/cancel"));
        Assert.Equal(["Cancelled", "success"], arm.StatusesOf(Primary).Order());
        Assert.Equal(["Cancelled"], arm.StatusesOf(Secondary));
    }

    [Fact]
    public async Task A_throttled_start_waits_for_its_retry_after_and_starts_once()
    {
        arm.Errors.Enqueue((429, 1, "TooManyRequests")); // the first list is throttled
        arm.Errors.Enqueue((503, null, "ServiceUnavailable"));

        var injected = await Faults().InjectAsync(Lose("primary"));

        Assert.Single(arm.StatusesOf(Primary));
        var throttled = arm.Requests.First();
        var retried = arm.Requests.Skip(1).First();
        Assert.Equal(throttled.Path, retried.Path);
        Assert.Contains("Running", injected.Actions.Single());
    }

    [Fact]
    public async Task A_run_already_going_is_adopted_and_not_started_again()
    {
        var going = arm.AddRun(Primary, "Running", DateTimeOffset.UtcNow.AddMinutes(-1));

        var injected = await Faults().InjectAsync(Lose("primary"));

        Assert.True(injected.AlreadyActive);
        Assert.Contains(going, injected.Actions.Single());
        Assert.Equal(0, arm.Count("POST", "/start"));
    }

    [Fact]
    public async Task An_undo_with_nothing_running_cancels_nothing()
    {
        arm.AddRun(Primary, "Cancelled", DateTimeOffset.UtcNow.AddMinutes(-5));

        var undone = await Faults().UndoAsync(Lose("primary"));

        Assert.False(undone.WasActive);
        Assert.Equal(0, arm.Count("POST", "/cancel"));
    }

    [Fact]
    public async Task A_run_that_fails_before_the_fault_is_in_force_fails_the_injection_naming_it()
    {
        arm.FailNextStarted();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Faults().InjectAsync(Lose("primary")));

        Assert.Contains("ended failed before the fault was in force", error.Message);
    }

    [Fact]
    public async Task A_region_without_an_experiment_or_with_a_malformed_id_is_refused_before_any_request()
    {
        var missing = await Assert.ThrowsAsync<DrConfigurationException>(() => Faults().InjectAsync(Lose("primary", "dr")));
        var malformed = await Assert.ThrowsAsync<DrConfigurationException>(() =>
            Faults(new() { ["primary"] = "/subscriptions/x/resourceGroups/g/providers/Microsoft.Compute/virtualMachines/vm" }).InjectAsync(Lose("primary")));

        Assert.Contains("Drills:ChaosStudio:RegionLoss:dr", missing.Message);
        Assert.Contains("is not a Chaos Studio experiment id", malformed.Message);
        Assert.Empty(arm.Requests);
    }

    [Fact]
    public async Task A_refusal_names_arms_code_and_message_and_is_not_retried()
    {
        arm.Errors.Enqueue((403, null, "AuthorizationFailed"));

        var error = await Assert.ThrowsAsync<DrConfigurationException>(() => Faults().InjectAsync(Lose("primary")));

        Assert.Contains("403 AuthorizationFailed: fake AuthorizationFailed", error.Message);
        Assert.Single(arm.Requests);
    }

    public void Dispose() => arm.Dispose();

    private sealed class FixedToken : TokenCredential
    {
        public static readonly System.Collections.Concurrent.ConcurrentBag<string> Scopes = [];

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            foreach (var scope in requestContext.Scopes)
            {
                Scopes.Add(scope);
            }

            return new AccessToken(FakeChaosStudio.Token, DateTimeOffset.UtcNow.AddHours(1));
        }

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }
}
