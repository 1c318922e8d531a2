using System.Diagnostics;
using System.Security.Cryptography;
using CausalEval.Dr.Adapters.Postgres;
using CausalEval.Dr.Adapters.Processes;
using CausalEval.Dr.Adapters.Wal;

namespace CausalEval.Dr.Tests.Agent.Wal;

/// <summary>What a recovering PostgreSQL does around restore_command, for tests of the agent's WAL stage: no server runs.</summary>
internal static class RecoveringServer
{
    /// <summary>A data directory with its pg_wal, the server user's.</summary>
    public static async Task<string> DataDirectoryAsync(string root, string name)
    {
        var data = Path.Combine(root, name);
        Directory.CreateDirectory(Path.Combine(data, "pg_wal"));
        await PgCtl.GiveToServerAsync(data, Path.Combine(data, "pg_wal"));
        return data;
    }

    /// <summary>Pushes a random 16 MB segment per name to the archive; returns each one's bytes.</summary>
    public static async Task<Dictionary<string, byte[]>> ArchiveSegmentsAsync(WalArchive archive, string root, IEnumerable<string> names)
    {
        var segments = new Dictionary<string, byte[]>();
        foreach (var name in names)
        {
            segments[name] = RandomNumberGenerator.GetBytes(16 << 20);
            var source = Path.Combine(root, name);
            await File.WriteAllBytesAsync(source, segments[name]);
            await archive.PushAsync(source);
        }

        return segments;
    }

    /// <summary>Removes the old RECOVERYXLOG and runs the command in the data directory as the server's user.</summary>
    /// <param name="socket">The agent's: a recover job's server is given its node agent's socket, whatever its own directory.</param>
    public static async Task<(int Exit, string Error)> RestoreAsync(string data, string name, string spool, string socket, string fallback)
    {
        File.Delete(Path.Combine(data, "pg_wal", "RECOVERYXLOG"));
        var command = WalSocket.RestoreCommand(socket, spool, fallback).Replace("%f", name).Replace("%p", "pg_wal/RECOVERYXLOG");
        var start = DetachedProcess.IsRoot ? new ProcessStartInfo("runuser", ["-u", PgCtl.OsUser, "--", "sh", "-c", command])
            : new ProcessStartInfo("sh", ["-c", command]);
        start.WorkingDirectory = data;
        start.RedirectStandardError = true;
        using var process = Process.Start(start)!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, error);
    }
}
