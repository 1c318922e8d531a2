using System.Diagnostics;

namespace CausalEval.Dr.Adapters.Processes;

/// <summary>Runs a command to its end (pg_ctl, chown, kill), optionally as another OS user.</summary>
public static class ProcessRunner
{
    /// <summary>Runs a command to completion; throws with its output when it fails.</summary>
    /// <param name="environment">Variables for this child alone (PGPASSWORD for a libpq tool), over an environment without our settings.</param>
    public static async Task<string> RunAsync(string file, IEnumerable<string> args, string? runAs = null, string? stdin = null, TimeSpan? timeout = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var asOther = runAs is not null && DetachedProcess.IsRoot;
        var start = new ProcessStartInfo(asOther ? "setpriv" : file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        if (asOther)
        {
            foreach (var a in new[] { $"--reuid={runAs}", $"--regid={runAs}", "--init-groups", file })
            {
                start.ArgumentList.Add(a);
            }
        }

        ChildEnvironment.Clean(start.Environment);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var argList = args.ToList();
        foreach (var a in argList)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }

        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Path.GetFileName(file)} {string.Join(' ', argList)} did not finish within {(timeout
                ?? TimeSpan.FromMinutes(2)).TotalSeconds:F0} s");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(file)} {string.Join(' ',
                argList)} failed ({process.ExitCode}): {(await stderr).Trim()} {(await stdout).Trim()}");
        }

        return await stdout;
    }

    /// <summary>Runs a command and ignores how it ends (kill of a process that may be gone already).</summary>
    public static async Task RunQuietAsync(string file, string[] args)
    {
        var start = new ProcessStartInfo(file, args) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        ChildEnvironment.Clean(start.Environment);
        using var p = Process.Start(start);
        if (p is not null)
        {
            await p.WaitForExitAsync();
        }
    }
}
