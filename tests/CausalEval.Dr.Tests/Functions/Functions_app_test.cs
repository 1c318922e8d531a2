using System.Text.Json;
using System.Text.Json.Nodes;
using CausalEval.Dr.Core.Schedules;
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
    public void Timer_and_http_functions_are_declared_and_timers_bind_to_schedule_settings()
    {
        Assert.Contains("StartOrchestration", FunctionsWithTrigger("httpTrigger"));
        Assert.Contains("GetInstanceStatus", FunctionsWithTrigger("httpTrigger"));
        var timer = Metadata().Single(f => f!["name"]!.GetValue<string>() == "ConfigurationBackupTimer");
        var binding = timer!["bindings"]!.AsArray().Single(b => b!["type"]!.GetValue<string>() == "timerTrigger");
        Assert.Equal("%Schedules:ConfigurationBackup%", binding!["schedule"]!.GetValue<string>());
    }

    [Fact]
    public void Both_hosts_settings_carry_the_seed_schedule_table()
    {
        var functions = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "local.settings.sample.json")))!["Values"]!;
        var local = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "config", "dr.settings.json")))!["Schedules"]!;
        foreach (var row in ScheduleTable.SeedDefaults)
        {
            Assert.Equal(row.Cron, functions[row.SettingKey]?.GetValue<string>());
            Assert.Equal(row.Cron, local[row.Name]?.GetValue<string>());
        }
    }
}
