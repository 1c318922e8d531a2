using System.Diagnostics;

namespace CausalEval.Dr.Tests.Fixtures;

/// <summary>
/// Debian's Chromium, headless, as the machine's notes run it (as root: no sandbox; no background networking, which this
/// closed network refuses): renders a local page, returns the DOM it built and saves a screenshot.
/// </summary>
public static class HeadlessChromium
{
    public const string Executable = "/usr/bin/chromium";

    /// <summary>Where screenshots go: TestResults at the repository's root (CI keeps it).</summary>
    public static string ScreenshotPath(string name)
    {
        var folder = Path.Combine(RepoPaths.Root, "TestResults", "screenshots");
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, name);
    }

    /// <summary>Renders <paramref name="htmlFile"/>; returns the rendered DOM and writes a PNG to <paramref name="screenshot"/>.</summary>
    public static async Task<string> RenderAsync(string htmlFile, string screenshot)
    {
        var profile = Directory.CreateTempSubdirectory("chromium-");
        try
        {
            string[] common = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", $"--user-data-dir={profile.FullName}"];
            var dom = await RunAsync([.. common, "--dump-dom", new Uri(htmlFile).AbsoluteUri]);
            await RunAsync([.. common, $"--screenshot={screenshot}", "--window-size=1100,2400", new Uri(htmlFile).AbsoluteUri]);
            return dom;
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }

    private static async Task<string> RunAsync(string[] args)
    {
        var start = new ProcessStartInfo(Executable) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"chromium {string.Join(' ', args)} exited {process.ExitCode}: {await stderr}");
        return await stdout;
    }
}
