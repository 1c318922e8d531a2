using CausalEval.Dr.Adapters.Processes;

namespace CausalEval.Dr.Lab.Postgres;

/// <summary>
/// archive_command runs `dr wal push` as the postgres user, who may not be allowed into the checkout (a clone
/// under a 0700 folder, a root home): then every segment would fail to archive, silently. So when postgres
/// cannot reach the `dr` it would run, `dr`'s own folder is copied (19 MB, tens of ms) to where it can;
/// when it cannot reach the dotnet host either, the lab refuses to start, saying why.
/// </summary>
public static class PostgresReachableDr
{
    public static DrCommand For(DrCommand dr, string runDirectory)
    {
        if (!DetachedProcess.IsRoot)
        {
            return dr; // the servers run as we do
        }

        if (!OthersCanReach(dr.File) && Path.IsPathRooted(dr.File))
        {
            throw new InvalidOperationException($"the postgres user cannot run {dr.File} (a folder above it lacks o+x): install .NET where others can reach " +
                $"it, or chmod o+x its folders");
        }

        if (dr.Prefix.FirstOrDefault(p => p.EndsWith(".dll", StringComparison.Ordinal)) is not { } dll || OthersCanReach(dll))
        {
            return dr;
        }

        var copy = Path.Combine(runDirectory, "dr-bin");
        CopyDirectory(Path.GetDirectoryName(Path.GetFullPath(dll))!, copy);
        return dr with { Prefix = dr.Prefix.Select(p => p == dll ? Path.Combine(copy, Path.GetFileName(dll)) : p).ToList() };
    }

    /// <summary>Every folder above <paramref name="file"/> lets others through, and the file lets them read it.</summary>
    public static bool OthersCanReach(string file)
    {
        if (OperatingSystem.IsWindows())
        {
            return true;
        }

        var full = Path.GetFullPath(file);
        if (!File.Exists(full) || !File.GetUnixFileMode(full).HasFlag(UnixFileMode.OtherRead))
        {
            return false;
        }

        for (var dir = Path.GetDirectoryName(full); dir is not null; dir = Path.GetDirectoryName(dir))
        {
            if (!File.GetUnixFileMode(dir).HasFlag(UnixFileMode.OtherExecute))
            {
                return false;
            }
        }

        return true;
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var dir in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories).Prepend(from))
        {
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        }

        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)), overwrite: true);
        }
    }
}
