using System.Diagnostics;
using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.Infra;

/// <summary>
/// infra/bicep (the Azure control plane) builds, its example parameters build, and the linter has nothing to say:
/// infra/bicep/check.sh with the Bicep CLI from its NuGet package fails on any error or warning.
/// </summary>
public sealed class Bicep_compiles_and_lints_clean_test
{
    [Fact]
    public async Task Build_build_params_and_lint_report_no_error_and_no_warning()
    {
        var check = new ProcessStartInfo("bash", [Path.Combine(RepoPaths.Root, "infra", "bicep", "check.sh")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(check)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);

        Assert.True(process.ExitCode == 0, $"infra/bicep/check.sh exited {process.ExitCode}:\n{await stdout}\n{await stderr}");
        Assert.Contains("0 errors, 0 warnings", await stdout);
    }
}
