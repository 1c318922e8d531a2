using System.Diagnostics;
using CausalEval.Dr.Lab;

namespace CausalEval.Dr.Tests.Fixtures;

/// <summary>A lab brought up by the real `dr lab up` in its own state directory, taken down at the end.</summary>
public sealed class LabFixture : IAsyncLifetime
{
    public string StateDirectory { get; } = RepoPaths.NewTempDirectory("lab");

    public string LabDirectory => Path.Combine(StateDirectory, "lab");

    public LabState State { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var up = await RunAsync("lab", "up");
        Assert.True(up.ExitCode == 0, $"dr lab up failed:\n{up.Stderr}\n{up.Stdout}");
        State = LabState.Load(LabDirectory) ?? throw new InvalidOperationException("lab.json missing after dr lab up");
    }

    public async Task DisposeAsync() => await RunAsync("lab", "down");

    public Task<DrEnvironment.CliResult> RunAsync(params string[] args) => RunDrAsync(StateDirectory, args);

    public static async Task<DrEnvironment.CliResult> RunDrAsync(string stateDirectory, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in (string[])[RepoPaths.DrDll, .. args, "--state-dir", stateDirectory])
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return new DrEnvironment.CliResult(process.ExitCode, await stdout, await stderr);
    }
}
