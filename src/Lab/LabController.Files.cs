using CausalEval.Dr.Lab.ObjectStorage;
using CausalEval.Dr.Lab.Topology;

namespace CausalEval.Dr.Lab;

/// <summary>
/// The framework's file storage in the lab: each region that declares <c>services.files</c> runs an S3 server (s3rver) of its
/// own on its address, all on one port (clients know one port, whichever region serves), its data under the lab's run folder.
/// It belongs to the region: `dr lab kill REGION` loses it with the rest, `dr lab revive` brings it back with what it held.
/// </summary>
public sealed partial class LabController
{
    private string FilesDirectory(LabRegion region) => Path.Combine(Run, $"files-{region.Name}");

    private async Task StartFileStoresAsync(LabTopology topology, LabState state, Action<LabProcess> started)
    {
        var regions = topology.Regions.Where(r => r.Files && r != topology.Cold).ToList();
        if (regions.Count == 0)
        {
            return;
        }

        await StartSharingAPortAsync(topology, state, "files", regions.Select(r => r.Address).ToArray(), started, inParallel: true, port =>
            regions.Select(region => (Func<Task<LabProcess>>)(async () =>
            {
                var (pid, _) = await LabS3.StartAsync(FilesDirectory(region), region.Address, port);
                return new LabProcess($"files-{region.Name}", "files", region.Name, pid, region.Address, [port], FilesDirectory(region));
            })).ToList());
    }

    private async Task ReviveFileStoresAsync(LabRegion region, IEnumerable<LabProcess> dead, Action<LabProcess> started)
    {
        foreach (var files in dead.Where(p => p.Kind == "files"))
        {
            var (pid, _) = await LabS3.StartAsync(FilesDirectory(region), region.Address, files.Ports[0]);
            started(files.Restarted(pid));
        }
    }
}
