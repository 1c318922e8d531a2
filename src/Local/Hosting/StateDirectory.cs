using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CausalEval.Dr.Adapters.Files;
using CausalEval.Dr.Adapters.Processes;

namespace CausalEval.Dr.Local.Hosting;

/// <summary>
/// All local state in one folder (default ./.dr, or DR_STATE_DIR / --state-dir): Azurite's data, the API
/// token, the running server's address, logs. What steers a command (settings, the lab's state, the running
/// host's address) is read only when nobody else could have written it (<see cref="TrustedPath"/>).
/// </summary>
public sealed class StateDirectory
{
    private const string LabLocationFile = "lab-location";
    private const string LabFolderPrefix = "dr-lab-";

    /// <summary>Nothing is created until something is written there.</summary>
    public StateDirectory(string? path)
    {
        Path = System.IO.Path.GetFullPath(path ?? Environment.GetEnvironmentVariable("DR_STATE_DIR") ?? ".dr");
    }

    public string Path { get; }

    /// <summary>Azurite's data, log and pid file when `dr` runs its own (no storage configured).</summary>
    public string AzuriteDirectory => System.IO.Path.Combine(Path, "azurite");

    /// <summary>
    /// Everything of the DR lab (`dr lab up`): <c>{state}/lab</c>, unless PostgreSQL (its own OS user when we are root)
    /// could not reach it there because a folder above the state directory is closed to others (a checkout under
    /// /root, a mktemp -d folder): then a folder made by mkdtemp in /tmp when the lab first came up, whose path is
    /// recorded in the state directory (never derived from anything another user could predict and make first).
    /// </summary>
    public string LabDirectory => ReachableByOthers(Path) ? System.IO.Path.Combine(Path, "lab")
        : RecordedLabFolder() is { } folder ? System.IO.Path.Combine(folder, "lab")
        : System.IO.Path.Combine(Path, "lab"); // no lab yet: nothing is there

    /// <summary>
    /// The lab's folder for `dr lab up`: <see cref="LabDirectory"/>, made (and, outside the state directory, recorded) if
    /// need be: a fresh mkdtemp folder of ours, 0711 so PostgreSQL's user can pass through it to the data it owns.
    /// </summary>
    public string CreateLabDirectory()
    {
        if (OperatingSystem.IsWindows() || ReachableByOthers(Path) || RecordedLabFolder() is not null)
        {
            return LabDirectory;
        }

        var template = Encoding.ASCII.GetBytes($"{System.IO.Path.GetTempPath()}{LabFolderPrefix}XXXXXX\0");
        if (MakeTemporaryDirectory(template) == IntPtr.Zero)
        {
            throw new IOException($"mkdtemp in {System.IO.Path.GetTempPath()} failed (errno {Marshal.GetLastPInvokeError()})");
        }

        var folder = Encoding.ASCII.GetString(template, 0, template.Length - 1);
        File.SetUnixFileMode(folder,
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        OwnerOnly.CreateDirectory(Path);
        OwnerOnly.WriteAllText(System.IO.Path.Combine(Path, LabLocationFile), folder);
        return LabDirectory;
    }

    /// <summary>
    /// The settings a running lab gives every command of this state directory: its DR topology, secrets,
    /// task hub and stores (written by `dr lab up`, removed by `dr lab down`).
    /// </summary>
    public string LabSettingsFile => System.IO.Path.Combine(LabDirectory, "dr.settings.json");

    /// <summary>
    /// The folder a lab outside the state directory lives in, as recorded when it was made: used only while the record
    /// and the folder are ours and closed to others' writes, and the folder is one of our mkdtemp folders in /tmp.
    /// </summary>
    private string? RecordedLabFolder()
    {
        var record = System.IO.Path.Combine(Path, LabLocationFile);
        if (!File.Exists(record))
        {
            return null;
        }

        var folder = File.ReadAllText(TrustedPath.Checked(record, "the lab's recorded location")).Trim();
        var expected = System.IO.Path.Combine(System.IO.Path.GetTempPath(), LabFolderPrefix);
        if (!folder.StartsWith(expected, StringComparison.Ordinal) || folder[expected.Length..].Contains('/'))
        {
            throw new Core.Errors.DrConfigurationException($"{record} names '{folder}', not a lab folder of this machine's temp directory");
        }

        if (UnixFiles.StatusOf(folder) is not { } status)
        {
            return null; // removed (a reboot cleared /tmp): the next `dr lab up` makes a new one
        }

        return status is { IsDirectory: true, IsSymbolicLink: false } && status.Uid == UnixFiles.EffectiveUid
            && (status.Mode & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) == 0
            ? folder
            : throw new Core.Errors.DrConfigurationException($"the lab folder {folder} is not this user's own closed folder (uid {status.Uid}, mode " +
                $"{Convert.ToString((int)status.Mode, 8)}): not used");
    }

    private static bool ReachableByOthers(string path)
    {
        if (OperatingSystem.IsWindows() || !DetachedProcess.IsRoot)
        {
            return true; // the servers run as we do
        }

        for (var dir = System.IO.Path.GetDirectoryName(path); dir is not null; dir = System.IO.Path.GetDirectoryName(dir))
        {
            if (Directory.Exists(dir) && !File.GetUnixFileMode(dir).HasFlag(UnixFileMode.OtherExecute))
            {
                return false;
            }
        }

        return true;
    }

    private string TokenFile => System.IO.Path.Combine(Path, "api-token");

    private string ServerFile => System.IO.Path.Combine(Path, "serve.json");

    /// <summary>The bearer token of the local API, generated once, created readable by the owner only. It signs an operator in to the dashboard.</summary>
    public string ApiToken() => Token(TokenFile, "the API token");

    /// <summary>The dashboard's token for people who may look but not act (<c>ui-reader-token</c>), generated once like the API token.</summary>
    public string ReaderToken() => Token(System.IO.Path.Combine(Path, "ui-reader-token"), "the dashboard's reader token");

    private string Token(string file, string what)
    {
        if (!File.Exists(file))
        {
            OwnerOnly.CreateDirectory(Path);
            try
            {
                using var created = OwnerOnly.CreateFile(file);
                created.Write(Encoding.ASCII.GetBytes(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32))));
            }
            catch (IOException) when (File.Exists(file))
            {
                // Another command of this state directory made it first: use that one.
            }
        }

        return File.ReadAllText(TrustedPath.Checked(file, what)).Trim();
    }

    /// <param name="StartTicks">When the serving process started (<see cref="ProcessIdentity.StartTicksOf"/>): its PID alone proves nothing.</param>
    public sealed record ServerInfo(string Url, int Pid, long? StartTicks = null);

    public void WriteServer(ServerInfo info)
    {
        OwnerOnly.CreateDirectory(Path);
        OwnerOnly.WriteAllText(ServerFile, JsonSerializer.Serialize(info));
    }

    /// <summary>What serve.json says, whoever still runs there: see <see cref="RunningServer"/> before sending it anything.</summary>
    public ServerInfo? ReadServer() =>
        File.Exists(ServerFile) ? JsonSerializer.Deserialize<ServerInfo>(File.ReadAllText(TrustedPath.Checked(ServerFile, "the running host's address")))
            : null;

    /// <summary>
    /// The `dr serve` of this state directory, only while it is the very process that wrote serve.json (same PID, same
    /// start time) and itself listens on the port it wrote: a dead serve's port may be anyone's by now, and the API
    /// token is never sent to them.
    /// </summary>
    public ServerInfo? RunningServer() =>
        ReadServer() is { } server && ProcessIdentity.IsSameProcess(server.Pid, server.StartTicks)
        && Uri.TryCreate(server.Url, UriKind.Absolute, out var url) && Ports.IsListeningBy(server.Pid, url.Host, url.Port)
            ? server
            : null;

    public void ClearServer(int pid)
    {
        if (ReadServer()?.Pid == pid)
        {
            File.Delete(ServerFile);
        }
    }

    [DllImport("libc", EntryPoint = "mkdtemp", SetLastError = true)]
    private static extern IntPtr MakeTemporaryDirectory(byte[] template);
}
