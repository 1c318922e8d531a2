using System.Text.Json;

namespace CausalEval.Dr.Lab;

/// <summary>One process the lab started: what it is, where it listens, and how to find it again.</summary>
public sealed record LabProcess(string Name, string Kind, string Region, int Pid, string Address, IReadOnlyList<int> Ports, string? DataDirectory = null);

/// <summary>
/// What is running, written after every start so that `dr lab down` can stop everything even when
/// `dr lab up` died half-way.
/// </summary>
public sealed record LabState(
    string Zone,
    string TopologyFile,
    DateTimeOffset StartedAt,
    IReadOnlyDictionary<string, int> Ports,
    string DnsApiKey,
    string? AzuriteConnectionString,
    List<LabProcess> Processes,
    IReadOnlyDictionary<string, string>? AgentTokens = null)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static string FileIn(string labDirectory) => Path.Combine(labDirectory, "lab.json");

    public static LabState? Load(string labDirectory) =>
        File.Exists(FileIn(labDirectory)) ? JsonSerializer.Deserialize<LabState>(File.ReadAllText(FileIn(labDirectory)), Json) : null;

    public void Save(string labDirectory)
    {
        var file = FileIn(labDirectory);
        LabSettings.WriteOwnerOnly(file, JsonSerializer.Serialize(this, Json)); // it holds the lab's keys and tokens
    }

    public LabProcess? Find(string name) => Processes.FirstOrDefault(p => p.Name == name);
}
