using CausalEval.Dr.Adapters.Postgres;
using CausalEval.Dr.Adapters.Processes;
using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.Processes;

/// <summary>
/// Settings given to `dr` as DR_* variables (DR_Secrets__…, a store's connection string) used to reach every child:
/// pg_ctl, then the postmaster and every backend, whose environment its user reads in /proc/PID/environ. A child now
/// gets no DR_{Section}__{Key} variable; switches that only say where things are (DR_STATE_DIR) stay.
/// </summary>
public sealed class Children_inherit_no_dr_settings_from_the_environment_test
{
    [Fact]
    public async Task Neither_a_command_nor_a_detached_server_sees_a_dr_setting()
    {
        var secret = "DR_Secrets__children-test";
        Environment.SetEnvironmentVariable(secret, "do-not-leak");
        Environment.SetEnvironmentVariable("DR_STATE_DIR_CHILDREN_TEST", "kept");
        try
        {
            var ran = await ProcessRunner.RunAsync("env", []);
            Assert.DoesNotContain("do-not-leak", ran);

            var log = Path.Combine(RepoPaths.NewTempDirectory("children-env"), "env.log");
            var pid = DetachedProcess.Start("sh", ["-c", "env; sleep 30"], log, runAs: PgCtl.RunAs);
            try
            {
                for (var i = 0; i < 100 && !(File.Exists(log) && File.ReadAllText(log).Contains("DR_STATE_DIR_CHILDREN_TEST", StringComparison.Ordinal)); i++)
                {
                    await Task.Delay(50);
                }

                var environment = await File.ReadAllTextAsync($"/proc/{pid}/environ");
                Assert.DoesNotContain(secret, environment);
                Assert.Contains("DR_STATE_DIR_CHILDREN_TEST=kept", environment);
            }
            finally
            {
                await DetachedProcess.StopAsync(pid, TimeSpan.FromSeconds(5));
            }
        }
        finally
        {
            Environment.SetEnvironmentVariable(secret, null);
            Environment.SetEnvironmentVariable("DR_STATE_DIR_CHILDREN_TEST", null);
        }
    }
}
