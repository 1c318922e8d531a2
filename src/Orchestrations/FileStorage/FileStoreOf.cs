using CausalEval.Dr.Adapters.FileStorage;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Topology;

namespace CausalEval.Dr.Orchestrations.FileStorage;

/// <summary>A region's file store as the topology declares it (<c>Topology:Regions:{region}:Files</c>), or a clear error.</summary>
public static class FileStoreOf
{
    public static IFileStore Region(TopologyOptions topology, string region) => Region(topology, region, null);

    /// <param name="container">Another container or bucket of the same store (a restore target beside the live one).</param>
    public static IFileStore Region(TopologyOptions topology, string region, string? container)
    {
        if (!topology.Regions.TryGetValue(region, out var options))
        {
            throw new BadInputException($"region '{region}' is not in the DR topology (regions: {string.Join(", ", topology.Regions.Keys)})");
        }

        var files = options.Files
            ?? throw new BadInputException($"region '{region}' declares no file storage ({TopologyOptions.Section}:Regions:{region}:Files)");
        if (container is not null)
        {
            files = new Core.Storage.StorageOptions
            {
                Kind = files.Kind, ConnectionString = files.ConnectionString, Container = container, S3 = files.S3, LocalPath = files.LocalPath,
            };
        }

        return FileStores.Open(files, $"{TopologyOptions.Section}:Regions:{region}:Files");
    }
}
