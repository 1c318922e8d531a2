using System.Text.Json;

namespace CausalEval.Dr.Lab;

/// <summary>One process the lab started: what it is, where it listens, and how to find it again.</summary>
/// <param name="KilledAt">Set by `dr lab kill`: the PID is dead and may belong to someone else by now, so nothing signals it.</param>
/// <param name="StartTicks">When the process started (recorded with it): a PID is this process only while its start time matches.</param>
public sealed record LabProcess(string Name, string Kind, string Region, int Pid, string Address, IReadOnlyList<int> Ports, string? DataDirectory = null,
    DateTimeOffset? KilledAt = null, long? StartTicks = null)
{
    /// <summary>Still the very process the lab started (a reused PID is someone else's: never signalled, never counted).</summary>
    public bool MayBeAlive => KilledAt is null && Adapters.Processes.ProcessIdentity.IsSameProcess(Pid, StartTicks);

    /// <summary>With the start time of its PID read now, as it is recorded: right after the lab started it.</summary>
    public LabProcess Identified() => StartTicks is null ? this with { StartTicks = Adapters.Processes.ProcessIdentity.StartTicksOf(Pid) } : this;

    /// <summary>The same service, started again as <paramref name="pid"/>.</summary>
    public LabProcess Restarted(int pid) => (this with { Pid = pid, KilledAt = null, StartTicks = null }).Identified();
}

/// <summary>
/// What is running, written after every start so that `dr lab down` can stop everything even when
/// `dr lab up` died half-way.
/// </summary>
public sealed record LabState(
    string Zone,
    string TopologyFile,
    DateTimeOffset StartedAt,
    Dictionary<string, int> Ports,
    string DnsApiKey,
    string? AzuriteConnectionString,
    List<LabProcess> Processes,
    IReadOnlyDictionary<string, string>? AgentTokens = null,
    Agents.LabCertificates.Issued? AgentCertificates = null,
    string? PostgresPassword = null)
{
    /// <summary>A connection string to a PostgreSQL of the lab (its password included).</summary>
    public string ConnectionString(string address, int port, string database = Postgres.LabPostgres.Database) =>
        Postgres.LabPostgres.ConnectionString(address, port, database, PostgresPassword);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static string FileIn(string labDirectory) => Path.Combine(labDirectory, "lab.json");

    /// <summary>The lab's state; only from a file nobody else could have written (its PIDs are signalled, its ports trusted).</summary>
    public static LabState? Load(string labDirectory) =>
        File.Exists(FileIn(labDirectory))
            ? JsonSerializer.Deserialize<LabState>(File.ReadAllText(Adapters.Files.TrustedPath.Checked(FileIn(labDirectory), "the lab's state")), Json)
            : null;

    public void Save(string labDirectory)
    {
        var file = FileIn(labDirectory);
        LabSettings.WriteOwnerOnly(file, JsonSerializer.Serialize(this, Json)); // it holds the lab's keys and tokens
    }

    public LabProcess? Find(string name) => Processes.FirstOrDefault(p => p.Name == name);

    /// <summary>
    /// Read, change and write the state under an exclusive lock: `dr lab kill/revive` and the lab's compute
    /// adapter (scaling a region during a failover) change it from different processes.
    /// </summary>
    public static LabState Update(string labDirectory, Action<LabState> change)
    {
        using var held = Lock(labDirectory);
        var state = Load(labDirectory) ?? throw new InvalidOperationException($"no lab is up in {labDirectory} (dr lab up starts one)");
        change(state);
        state.Save(labDirectory);
        return state;
    }

    /// <summary>Replaces the process of the same name (a revived or restarted one), or adds it.</summary>
    public void Put(LabProcess process)
    {
        Processes.RemoveAll(p => p.Name == process.Name);
        Processes.Add(process.Identified());
    }

    private static FileStream Lock(string labDirectory)
    {
        var path = Path.Combine(labDirectory, "lab.lock");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                // FileShare.None is an flock(LOCK_EX) on Unix: other processes wait here.
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(10);
            }
        }
    }
}
