using System.Diagnostics;
using CausalEval.Dr.Adapters.Processes;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Adapters.Wal;
using CausalEval.Dr.Agent.Wal;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Storage;
using CausalEval.Dr.Tests.Fixtures;
using Microsoft.Extensions.Logging.Abstractions;

namespace CausalEval.Dr.Tests.Agent.Wal;

/// <summary>
/// archive_command and restore_command talk to the agent's socket and take segments from its spool. Those used to be
/// a predictable path in /tmp (bound by whoever came first: a fake "archived" answer is a hole in every later PITR) and
/// a world-writable folder (any planted file was taken as a segment). Now both live in the agent's own folder, made
/// before PostgreSQL starts, that only the agent can write and only PostgreSQL's user can enter: another local user
/// (here `nobody`) can neither bind the socket, nor make the folder first, nor plant a segment; restore_command gets
/// the archive's bytes. A folder someone else made first, or one others can write, is refused by the agent.
/// </summary>
public sealed class Another_user_can_neither_bind_the_wal_socket_nor_plant_a_segment_test
{
    private const string Python = "/usr/bin/python3";

    [Fact]
    public async Task The_socket_path_and_the_spool_take_nothing_from_another_user()
    {
        Assert.True(DetachedProcess.IsRoot, "another user can be tried only as root: run the tests as root, as CI does");
        Assert.True(File.Exists(Python), $"{Python} binds the socket as another user");
        var root = RepoPaths.NewTempDirectory("wal-planted");
        var data = await RecoveringServer.DataDirectoryAsync(root, "data");
        var store = new StorageOptions { Kind = "local", LocalPath = Path.Combine(root, "store") };
        var name = "000000010000000000000003";
        var segments = await RecoveringServer.ArchiveSegmentsAsync(new WalArchive(store.CreateStore()), root, [name]);
        var settings = TestAgents.Settings(root, data, store);

        var runtime = AgentRuntimeDirectory.Prepare(settings.RuntimeDirectory, data);
        // Before the agent serves: its folder already exists, and nobody else can bind its socket's path or make a node's folder.
        var bind = await AsNobodyAsync(Python, "-c", "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", runtime.Socket);
        Assert.NotEqual(0, bind.Exit);
        Assert.Contains("Permission denied", bind.Error);
        var squat = await AsNobodyAsync("mkdir", WalSocket.FolderFor(settings.RuntimeDirectory, Path.Combine(root, "another-node")));
        Assert.NotEqual(0, squat.Exit);

        using var prefetcher = new WalPrefetcher(settings, runtime);
        await using var agent = await WalSocketHost.StartAsync(settings, runtime, NullLoggerFactory.Instance, prefetcher, CancellationToken.None);
        var spool = prefetcher.SpoolFor(data);
        var forged = Path.Combine(root, "forged");
        await File.WriteAllBytesAsync(forged, new byte[16 << 20]);
        File.SetUnixFileMode(forged, File.GetUnixFileMode(forged) | UnixFileMode.OtherRead);
        var plant = await AsNobodyAsync("cp", forged, Path.Combine(spool, name));
        Assert.NotEqual(0, plant.Exit);
        Assert.False(File.Exists(Path.Combine(spool, name)));
        Assert.NotEqual(0, (await AsNobodyAsync(Python, "-c", "import socket,sys; socket.socket(socket.AF_UNIX).connect(sys.argv[1])", runtime.Socket)).Exit);

        // The server gets the archive's segment, checked by the agent.
        var (exit, error) = await RecoveringServer.RestoreAsync(data, name, spool, runtime.Socket, "exit 7");
        Assert.True(exit == 0, error);
        Assert.Equal(segments[name], await File.ReadAllBytesAsync(Path.Combine(data, "pg_wal", "RECOVERYXLOG")));
    }

    [Fact]
    public async Task A_folder_someone_else_made_first_or_one_others_can_write_is_refused()
    {
        var root = RepoPaths.NewTempDirectory("wal-squatted");
        var data = Path.Combine(root, "data");
        var runtime = Path.Combine(root, "run");
        Directory.CreateDirectory(WalSocket.FolderFor(runtime, data));
        await ProcessRunner.RunAsync("chown", ["nobody", WalSocket.FolderFor(runtime, data)]);

        var squatted = Assert.Throws<DrConfigurationException>(() => AgentRuntimeDirectory.Prepare(runtime, data));
        Assert.Contains($"the agent's folder {WalSocket.FolderFor(runtime, data)} belongs to uid", squatted.Message);
        Assert.Equal("nobody", (await ProcessRunner.RunAsync("stat", ["-c", "%U", WalSocket.FolderFor(runtime, data)])).Trim()); // left as it was

        var open = Path.Combine(root, "open-run");
        Directory.CreateDirectory(open);
        File.SetUnixFileMode(open, (UnixFileMode)Convert.ToInt32("777", 8));
        Assert.Contains("no one else can write to", Assert.Throws<DrConfigurationException>(() => AgentRuntimeDirectory.Prepare(open, data)).Message);
    }

    private static async Task<(int Exit, string Error)> AsNobodyAsync(string file, params string[] args)
    {
        var start = new ProcessStartInfo("setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", file, .. args])
        {
            RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = "/",
        };
        using var process = Process.Start(start)!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, error);
    }
}
