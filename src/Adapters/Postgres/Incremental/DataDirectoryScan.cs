namespace CausalEval.Dr.Adapters.Postgres.Incremental;

/// <summary>A file of a data directory as listed: its path ('/'-separated, relative), size and modification time.</summary>
public sealed record ScannedFile(string Path, long Size, DateTimeOffset ModifiedUtc);

/// <summary>
/// The files and directories of a running cluster's data directory that a backup holds, leaving out what pg_basebackup leaves
/// out (src/backend/backup/basebackup.c): WAL (it comes from the archive), the server's runtime files, temporary files and the
/// contents of folders PostgreSQL rebuilds at start; the folders themselves are kept.
/// </summary>
public static class DataDirectoryScan
{
    private static readonly HashSet<string> EmptiedFolders = new(StringComparer.Ordinal)
    {
        "pg_wal", "pg_stat_tmp", "pg_replslot", "pg_dynshmem", "pg_notify", "pg_serial", "pg_snapshots", "pg_subtrans",
    };

    private static readonly HashSet<string> SkippedFiles = new(StringComparer.Ordinal)
    {
        "postmaster.pid", "postmaster.opts", "backup_label", "tablespace_map", "backup_manifest", "postgresql.auto.conf.tmp",
        "current_logfiles.tmp", "standby.signal", "recovery.signal",
    };

    public static (IReadOnlyList<string> Directories, IReadOnlyList<ScannedFile> Files) Scan(string dataDirectory)
    {
        var root = Path.GetFullPath(dataDirectory).TrimEnd('/');
        var directories = new List<string>();
        var files = new List<ScannedFile>();
        Walk(root, "", directories, files);
        directories.Add("pg_wal/archive_status"); // PostgreSQL expects it under the emptied pg_wal
        directories.Sort(StringComparer.Ordinal);
        files.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        return (directories, files);
    }

    private static void Walk(string root, string relative, List<string> directories, List<ScannedFile> files)
    {
        var folder = relative.Length == 0 ? root : Path.Combine(root, relative);
        foreach (var entry in new DirectoryInfo(folder).EnumerateFileSystemInfos())
        {
            var path = relative.Length == 0 ? entry.Name : relative + "/" + entry.Name;
            if (entry.Name.StartsWith("pgsql_tmp", StringComparison.Ordinal) || entry.Name == "pg_internal.init")
            {
                continue;
            }

            if (entry.LinkTarget is not null)
            {
                throw new NotSupportedException($"{path} is a link: tablespaces and linked folders are not supported by incremental backups");
            }

            switch (entry)
            {
                case DirectoryInfo:
                    directories.Add(path);
                    if (!(relative.Length == 0 && EmptiedFolders.Contains(entry.Name)))
                    {
                        Walk(root, path, directories, files);
                    }

                    break;
                case FileInfo file when !(relative.Length == 0 && SkippedFiles.Contains(entry.Name)):
                    try
                    {
                        file.Refresh();
                        files.Add(new ScannedFile(path, file.Length, new DateTimeOffset(file.LastWriteTimeUtc, TimeSpan.Zero)));
                    }
                    catch (FileNotFoundException)
                    {
                        // Dropped while listed (a relation removed): not part of the backup; WAL replay removes it anyway.
                    }

                    break;
            }
        }
    }
}
