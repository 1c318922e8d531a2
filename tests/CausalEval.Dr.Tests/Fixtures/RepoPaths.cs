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

    public static string NewTempDirectory(string prefix)
    {
        var path = Path.Combine(Path.GetTempPath(), $"dr-test-{prefix}-{Guid.NewGuid():N}"[..40]);
        Directory.CreateDirectory(path);
        return path;
    }
}
