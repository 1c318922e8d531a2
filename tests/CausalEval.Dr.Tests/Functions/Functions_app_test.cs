using System.Text.Json;
using System.Text.Json.Nodes;
using CausalEval.Dr.Orchestrations.Registry;
using CausalEval.Dr.Orchestrations;
using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.Functions;

/// <summary>
/// The Functions host cannot run here; its build output can be checked. These tests fail when a wrapper
/// is missing for a task in DrTasks, or when the hosts' schedule settings drift apart.
/// </summary>
public sealed class Functions_app_test
{
    private static JsonArray Metadata()
    {
        // The Functions build of the same configuration (Debug/Release) as these tests.
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";
        var bin = Path.Combine(RepoPaths.Root, "src", "Functions", "bin", configuration);
        var file = Directory.Exists(bin) ? Directory.GetFiles(bin, "functions.metadata", SearchOption.AllDirectories).FirstOrDefault() : null;
        Assert.True(file is not null, "functions.metadata not found: build CausalEval.Dr.sln first (.ci/run does)");
        return JsonNode.Parse(File.ReadAllText(file))!.AsArray();
    }

    private static HashSet<string> FunctionsWithTrigger(string trigger) =>
        Metadata().Where(f => f!["bindings"]!.AsArray().Any(b => b!["type"]!.GetValue<string>() == trigger))
            .Select(f => f!["name"]!.GetValue<string>()).ToHashSet();

    [Fact]
    public void Every_orchestrator_and_activity_in_DrTasks_has_exactly_its_function()
    {
        Assert.Equal(DrTasks.Orchestrators.Select(DrTasks.NameOf).Order(), FunctionsWithTrigger("orchestrationTrigger").Order());
        Assert.Equal(DrTasks.Activities.Select(DrTasks.NameOf).Order(), FunctionsWithTrigger("activityTrigger").Order());
    }

    [Fact]
    public void Http_functions_are_declared_and_every_scheduled_runbook_has_its_timer_bound_to_its_setting()
    {
        // Every runbook of the registry starts through the one starter route, at function level, as the local API's POST /api/orchestrators/{name}.
        var http = Metadata().Select(f
            => (Name: f!["name"]!.GetValue<string>(), Binding: f["bindings"]!.AsArray().SingleOrDefault(b => b!["type"]!.GetValue<string>() == "httpTrigger")))
            .Where(f => f.Binding is not null)
            .ToDictionary(f => f.Name, f
                => $"{f.Binding!["authLevel"]} {string.Join(',',
                f.Binding["methods"]!.AsArray().Select(m => m!.GetValue<string>().ToUpperInvariant()))} {f.Binding["route"]}");
        Assert.Equal(new Dictionary<string, string>
        {
            ["StartOrchestration"] = "Function POST orchestrators/{name}",
            ["ListInstances"] = "Function GET instances",
            ["GetInstanceStatus"] = "Function GET instances/{id}",
            ["ListAlerts"] = "Function GET alerts",
            ["SilenceAlerts"] = "Function POST alerts/silences",
            ["EndSilence"] = "Function DELETE alerts/silences/{id}",
            ["ListIncidents"] = "Function GET incidents",
            ["GetIncident"] = "Function GET incidents/{id}",
            ["ListDrills"] = "Function GET drills",
            ["GetDrillReport"] = "Function GET drills/{id}/report",
            ["ApproveInstance"] = "Function POST instances/{id}/approve",
            ["RejectInstance"] = "Function POST instances/{id}/reject",
            ["RaiseInstanceEvent"] = "Function POST instances/{id}/raiseEvent/{eventName}",
            ["TerminateInstance"] = "Function POST instances/{id}/terminate",
            ["ListRuns"] = "Function GET runs",
            ["GetRun"] = "Function GET runs/{id}",
            ["GetKpiReport"] = "Function GET reports/kpis",
            ["ListRunbooks"] = "Function GET runbooks",
        }.OrderBy(kv => kv.Key), http.OrderBy(kv => kv.Key));
        Assert.All(RunbookRegistry.All, r => Assert.Equal(r.Name, r.Orchestrator.Name)); // {name} is the orchestrator function's name
        var timers = Metadata()
            .Select(f
                => (Name: f!["name"]!.GetValue<string>(),
                Binding: f["bindings"]!.AsArray().SingleOrDefault(b => b!["type"]!.GetValue<string>() == "timerTrigger")))
            .Where(f => f.Binding is not null)
            .ToDictionary(f => f.Name, f => f.Binding!["schedule"]!.GetValue<string>());
        var expected = RunbookRegistry.Scheduled.ToDictionary(r => r.Schedule!.Name + "Timer", r => $"%{r.Schedule!.SettingKey}%");
        expected["HealthMonitorKeeperTimer"] = "0 */1 * * * *"; // keeps the eternal monitor running, not a schedule
        Assert.Equal(expected.OrderBy(kv => kv.Key), timers.OrderBy(kv => kv.Key));
    }

    [Fact]
    public void The_functions_settings_carry_every_scheduled_runbooks_default()
    {
        var functions = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "local.settings.sample.json")))!["Values"]!;
        foreach (var runbook in RunbookRegistry.Scheduled)
        {
            Assert.Equal(runbook.Schedule!.Cron, functions[runbook.Schedule.SettingKey]?.GetValue<string>());
        }
    }
}
