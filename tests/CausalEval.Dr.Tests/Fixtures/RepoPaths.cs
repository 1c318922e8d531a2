namespace CausalEval.Dr.Tests.Fixtures;

public static class RepoPaths
{
    /// <summary>The repository root: the folder holding CausalEval.Dr.sln above the test binaries.</summary>
    public static string Root { get; } = FindRoot();

    public static string DrDll => Path.Combine(AppContext.BaseDirectory, "dr.dll");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CausalEval.Dr.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("CausalEval.Dr.sln not found above " + AppContext.BaseDirectory);
    }

    private static readonly List<string> Created = [];

    static RepoPaths() => AppDomain.CurrentDomain.ProcessExit += (_, _) => RemoveCreated();

    /// <summary>A fresh folder under the temp directory, removed when the test run ends (keep them with DR_KEEP_TEST_DIRS=1).</summary>
    public static string NewTempDirectory(string prefix)
    {
        var path = Path.Combine(Path.GetTempPath(), $"dr-test-{prefix}-{Guid.NewGuid():N}"[..40]);
        Directory.CreateDirectory(path);
        lock (Created)
        {
            Created.Add(path);
        }

        return path;
    }

    /// <summary>
    /// At the end of the run: a lab a failed test left up is taken down first (its processes would outlive the
    /// folder), then every folder the tests made goes.
    /// </summary>
    private static void RemoveCreated()
    {
        if (Environment.GetEnvironmentVariable("DR_KEEP_TEST_DIRS") is { Length: > 0 })
        {
            return;
        }

        string[] folders;
        lock (Created)
        {
            folders = [.. Created];
        }

        foreach (var lab in folders.Select(f => Path.Combine(f, "lab")).Where(l => File.Exists(CausalEval.Dr.Lab.LabState.FileIn(l))))
        {
            try
            {
                new CausalEval.Dr.Lab.LabController(lab, new CausalEval.Dr.Lab.DrCommand("dotnet", [DrDll])).DownAsync().Wait(TimeSpan.FromSeconds(30));
            }
            catch (Exception)
            {
                // Best effort: the folder goes anyway.
            }
        }

        // The test host is given little time to exit: a detached rm finishes the removal after it is gone.
        if (folders.Length > 0)
        {
            CausalEval.Dr.Adapters.Processes.DetachedProcess.Start("rm", ["-rf", "--", .. folders], "/dev/null");
        }
    }
}
