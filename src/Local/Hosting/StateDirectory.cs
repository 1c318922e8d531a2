using System.Security.Cryptography;
using System.Text.Json;

namespace CausalEval.Dr.Local.Hosting;

/// <summary>
/// All local state in one folder (default ./.dr, or DR_STATE_DIR / --state-dir): Azurite's data, the API
/// token, the running server's address, logs.
/// </summary>
public sealed class StateDirectory
{
    /// <summary>Nothing is created until something is written there.</summary>
    public StateDirectory(string? path)
    {
        Path = System.IO.Path.GetFullPath(path ?? Environment.GetEnvironmentVariable("DR_STATE_DIR") ?? ".dr");
    }

    public string Path { get; }

    /// <summary>Azurite's data, log and pid file when `dr` runs its own (no storage configured).</summary>
    public string AzuriteDirectory => System.IO.Path.Combine(Path, "azurite");

    /// <summary>
    /// Everything of the DR lab (`dr lab up`): <c>{state}/lab</c>, unless PostgreSQL (its own OS user when we
    /// are root) could not reach it there because a folder above the state directory is closed to others (a
    /// checkout under /root, a mktemp -d folder): then <c>/tmp/dr-lab-{hash of the state path}/lab</c>, the same
    /// for every command of this state directory.
    /// </summary>
    public string LabDirectory => System.IO.Path.Combine(ReachableByOthers(Path) ? Path : System.IO.Path.Combine(System.IO.Path.GetTempPath(),
        "dr-lab-" + Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Path)))[..12]), "lab");

    /// <summary>
    /// The settings a running lab gives every command of this state directory: its DR topology, secrets,
    /// task hub and stores (written by `dr lab up`, removed by `dr lab down`).
    /// </summary>
    public string LabSettingsFile => System.IO.Path.Combine(LabDirectory, "dr.settings.json");

    private static bool ReachableByOthers(string path)
    {
        if (OperatingSystem.IsWindows() || Environment.UserName != "root")
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

    /// <summary>The bearer token of the local API, generated once, readable by the owner only.</summary>
    public string ApiToken()
    {
        if (!File.Exists(TokenFile))
        {
            Directory.CreateDirectory(Path);
            var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
            File.WriteAllText(TokenFile, token);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(TokenFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }

        return File.ReadAllText(TokenFile).Trim();
    }

    public sealed record ServerInfo(string Url, int Pid);

    public void WriteServer(ServerInfo info)
    {
        Directory.CreateDirectory(Path);
        File.WriteAllText(ServerFile, JsonSerializer.Serialize(info));
    }

    public ServerInfo? ReadServer() =>
        File.Exists(ServerFile) ? JsonSerializer.Deserialize<ServerInfo>(File.ReadAllText(ServerFile)) : null;

    public void ClearServer(int pid)
    {
        if (ReadServer()?.Pid == pid)
        {
            File.Delete(ServerFile);
        }
    }
}
