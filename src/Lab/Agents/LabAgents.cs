using CausalEval.Dr.Adapters.Processes;
using CausalEval.Dr.Lab.Topology;

namespace CausalEval.Dr.Lab.Agents;

/// <summary>The node agent beside a region's PostgreSQL: `dr agent` on the region's address, reading the lab's settings like any `dr`.</summary>
public static class LabAgents
{
    /// <summary>Where a region's database node keeps its data (a cold region's stays absent until it is recovered).</summary>
    public static string DataDirectoryOf(string run, LabRegion region) =>
        Path.Combine(run, region.Role switch
        {
            Core.Topology.RegionRole.Primary => "pg-primary",
            Core.Topology.RegionRole.Secondary => "pg-standby",
            _ => $"pg-{region.Name}",
        }, "data");

    /// <param name="startPostgres">Boot the node's PostgreSQL first (a host coming back), consulting the DR state.</param>
    public static async Task<LabProcess> StartAsync(DrCommand dr, string labDirectory, LabRegion region, string dataDirectory, int port, bool startPostgres)
    {
        var run = Path.Combine(labDirectory, "run");
        var stateDirectory = Path.GetDirectoryName(Path.GetFullPath(labDirectory))!;
        var name = LabSettings.AgentOf(region);
        var log = Path.Combine(run, name + ".log");
        string[] agent = ["agent", "--node", LabSettings.NodeOf(region), "--data-dir", dataDirectory, "--state-dir", stateDirectory, "--listen",
            $"{region.Address}:{port}"];
        var (file, args) = dr.With([.. agent, .. startPostgres ? new[] { "--start-postgres" } : []]);
        var pid = DetachedProcess.Start(file, args, log, environment: dr.FirstMoveEnvironment);
        await DetachedProcess.WaitListeningAsync(name, pid, region.Address, port, log, TimeSpan.FromSeconds(60));
        return new LabProcess(name, "agent", region.Name, pid, region.Address, [port], dataDirectory);
    }
}
