using CausalEval.Dr.Adapters.Processes;

namespace CausalEval.Dr.Adapters.Postgres;

/// <summary>
/// pg_ctl on one data directory, run as the postgres OS user when we are root (PostgreSQL refuses root).
/// Used by the node agent and the lab.
/// </summary>
public sealed class PgCtl(string binDirectory, string dataDirectory)
{
    public const string OsUser = "postgres";

    public static string? RunAs => DetachedProcess.IsRoot ? OsUser : null;

    public string DataDirectory { get; } = dataDirectory;

    private string PidFile => Path.Combine(DataDirectory, "postmaster.pid");

    /// <summary>The server's log, beside (not inside) the data directory.</summary>
    public string LogFile => Path.Combine(Path.GetDirectoryName(DataDirectory)!, Path.GetFileName(DataDirectory) + ".log");

    /// <summary>
    /// The postmaster's PID, if one runs: the PID in postmaster.pid counts only while /proc shows it running this
    /// installation's postgres in this data directory. A stale file's PID (a killed server; after a reboot, any
    /// process may have that number) is none, so nothing ever signals, or waits for, a stranger.
    /// </summary>
    public int? RunningPid() => PidInFile() is { } pid && ProcessIdentity.Runs(pid, Tool("postgres"), DataDirectory) ? pid : null;

    private int? PidInFile()
    {
        try
        {
            return File.Exists(PidFile) && int.TryParse(File.ReadLines(PidFile).FirstOrDefault(), out var pid) ? pid : null;
        }
        catch (IOException)
        {
            return null; // the server removed it while we read it
        }
    }

    /// <summary>
    /// Starts the server and waits until it accepts connections (a hot standby once consistent); returns its PID.
    /// A start that fails because its port is taken throws <see cref="PortTakenException"/> (a caller that chose the
    /// port may choose another).
    /// </summary>
    public async Task<int> StartAsync(TimeSpan? timeout = null)
    {
        if (RunningPid() is { } running)
        {
            return running;
        }

        if (PidInFile() is { } stranger && DetachedProcess.IsAlive(stranger))
        {
            // PostgreSQL refuses a lock file whose PID is alive, whoever it is: this one names a process that is not
            // this cluster's postmaster (the PID was reused), so the file is stale. Its shared memory check still
            // refuses a start while any old backend of the cluster lives.
            File.Delete(PidFile);
        }

        var seconds = ((int)(timeout ?? TimeSpan.FromSeconds(60)).TotalSeconds).ToString();
        var logged = File.Exists(LogFile) ? new FileInfo(LogFile).Length : 0;
        try
        {
            await ProcessRunner.RunAsync(Tool("pg_ctl"), ["-D", DataDirectory, "-l", LogFile, "-w", "-t", seconds, "start"], RunAs,
                timeout: (timeout ?? TimeSpan.FromSeconds(60)) + TimeSpan.FromSeconds(10));
        }
        catch (InvalidOperationException e) when (RunningPid() is null && PortTakenException.Says(LogSince(logged)))
        {
            throw new PortTakenException($"PostgreSQL in {DataDirectory} could not bind its port: {e.Message}; its log says: {DetachedProcess.Tail(LogFile)}");
        }

        return RunningPid()
            ?? throw new InvalidOperationException($"PostgreSQL in {DataDirectory} did not stay up; its log says: {DetachedProcess.Tail(LogFile)}");
    }

    /// <summary>What the server logged after the first <paramref name="offset"/> bytes (this start's lines, not an earlier one's).</summary>
    private string LogSince(long offset)
    {
        if (!File.Exists(LogFile))
        {
            return "";
        }

        using var file = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        file.Seek(Math.Min(offset, file.Length), SeekOrigin.Begin);
        return new StreamReader(file).ReadToEnd();
    }

    /// <summary>
    /// Stops the server ("fast": clients disconnected, a clean shutdown checkpoint). Nothing happens if it is
    /// not running, including after a kill that left a stale postmaster.pid.
    /// </summary>
    public async Task StopAsync(string mode = "fast")
    {
        if (RunningPid() is null)
        {
            return;
        }

        try
        {
            await ProcessRunner.RunAsync(Tool("pg_ctl"), ["-D", DataDirectory, "-m", mode, "-w", "-t", "30", "stop"], RunAs, timeout: TimeSpan.FromSeconds(40));
        }
        catch (InvalidOperationException) when (RunningPid() is null)
        {
            // Stopped meanwhile.
        }
    }

    /// <summary>The timeline of the data directory's latest checkpoint (pg_controldata; the server need not run).</summary>
    public async Task<int?> CheckpointTimelineAsync() => (await ControlDataAsync()).Timeline;

    /// <summary>pg_controldata's latest checkpoint: its timeline, where it is, and the WAL segment size (nulls for what it does not say).</summary>
    public async Task<(int? Timeline, string? CheckpointLsn, long? SegmentBytes)> ControlDataAsync()
    {
        var fields = await ControlFileAsync();
        return (int.TryParse(fields.GetValueOrDefault("Latest checkpoint's TimeLineID"), out var timeline) ? timeline : null,
            fields.GetValueOrDefault("Latest checkpoint location"),
            long.TryParse(fields.GetValueOrDefault("Bytes per WAL segment"), out var bytes) ? bytes : null);
    }

    /// <summary>Every field pg_controldata prints ("Database system identifier" → "7312…"); the server need not run.</summary>
    public async Task<IReadOnlyDictionary<string, string>> ControlFileAsync()
    {
        var output = await ProcessRunner.RunAsync(Tool("pg_controldata"), ["-D", DataDirectory], RunAs);
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in output.Split('\n').Where(l => l.Contains(':')))
        {
            fields.TryAdd(line[..line.IndexOf(':')].Trim(), line[(line.IndexOf(':') + 1)..].Trim());
        }

        return fields;
    }

    /// <summary>
    /// A fast shutdown (SIGINT to the postmaster: clients cut, a shutdown checkpoint, every WAL sender waits for its
    /// standby to flush all of it), watched every few milliseconds rather than by pg_ctl's 100 ms polling: on a
    /// switchover this wait is part of the write gap.
    /// </summary>
    public async Task StopQuicklyAsync(TimeSpan timeout)
    {
        if (RunningPid() is not { } pid)
        {
            return;
        }

        await ProcessRunner.RunQuietAsync("kill", ["-INT", pid.ToString()]);
        var deadline = DateTime.UtcNow + timeout;
        for (var polls = 1; DetachedProcess.IsAlive(pid); polls++)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"PostgreSQL in {DataDirectory} did not shut down within {timeout.TotalSeconds:0} s; its log says: " +
                    $"{DetachedProcess.Tail(LogFile)}");
            }

            if (polls % 4 == 0)
            {
                // A connection that arrived during the shutdown and never spoke would hold it up for seconds.
                await ClusterProcesses.EndDeadEndConnectionsAsync(pid);
            }

            await Task.Delay(5);
        }
    }

    /// <summary>True when the directory would start as a standby (standby.signal is there).</summary>
    public bool StartsAsStandby => File.Exists(Path.Combine(DataDirectory, "standby.signal"));

    /// <summary>Gives files and folders to the server's user (when we are root), as every file of a data directory must be.</summary>
    public static async Task GiveToServerAsync(params string[] paths)
    {
        if (RunAs is { } owner && paths.Length > 0)
        {
            await ProcessRunner.RunAsync("chown", [$"{owner}:{owner}", .. paths]);
        }
    }

    private string Tool(string name) => Path.Combine(binDirectory, name);
}
