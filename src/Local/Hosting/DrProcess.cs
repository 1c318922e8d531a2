using CausalEval.Dr.Lab;

namespace CausalEval.Dr.Local.Hosting;

/// <summary>How this very program is started again (the lab's servers, agents and workloads are `dr` processes too).</summary>
public static class DrProcess
{
    /// <summary>The dotnet host running us by full path (archive_command runs with PostgreSQL's PATH), and dr.dll.</summary>
    public static DrCommand Command() => new(DotnetHost(), [typeof(DrProcess).Assembly.Location]);

    private static string DotnetHost() =>
        Environment.ProcessPath is { } host && Path.GetFileNameWithoutExtension(host) == "dotnet" ? host : "dotnet";
}
