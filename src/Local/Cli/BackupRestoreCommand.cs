using System.CommandLine;
using System.Diagnostics;
using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Adapters.Postgres;
using CausalEval.Dr.Adapters.Postgres.Incremental;
using CausalEval.Dr.Adapters.Storage;

namespace CausalEval.Dr.Local.Cli;

/// <summary>
/// `dr backup restore ID --to DIR`: a database backup unpacked into a new data directory that starts as a
/// writable cluster (a full backup carries its WAL; an incremental's chain replays archived WAL). Settings for the new cluster go to
/// postgresql.auto.conf. With --delta, over a directory that holds files: only what differs from the backup is rewritten.
/// </summary>
public static class BackupRestoreCommand
{
    public static Command Restore()
    {
        var id = new Argument<string>("backup-id");
        var to = new Option<string>("--to") { Description = "New (or empty) data directory", Required = true };
        var owner = new Option<string?>("--owner") { Description = "Local user to own the files (PostgreSQL refuses root's)" };
        var set = new Option<string[]>("--set") { Description = "name=value for the restored cluster's postgresql.auto.conf (e.g. port=5544)",
            AllowMultipleArgumentsPerToken = false };
        var delta = new Option<bool>("--delta") { Description = "Over a directory with files (a stopped cluster): keep files whose SHA-256 matches the " +
            "backup's, rewrite the rest, remove what it does not hold" };
        var command = new Command("restore", "Restore a database backup into a new data directory") { id, to, owner, set, delta };
        command.SetAction((parse, ct) => ExitCodes.Guard(async () =>
        {
            var overrides = (parse.GetValue(set) ?? []).Select(ParseSetting).ToList();
            if (overrides.FirstOrDefault(o => o.Error is not null) is { Error: { } bad })
            {
                Console.Error.WriteLine($"dr: {bad}");
                return ExitCodes.BadRequest;
            }

            var (catalog, _) = BackupCommands.Open(parse);
            var backupId = parse.GetValue(id)!;
            if (await catalog.TryGetAsync(BackupKind.Database, backupId, ct) is not { } manifest)
            {
                Console.Error.WriteLine($"dr: no complete database backup '{backupId}' in {catalog.Store.Location}");
                return ExitCodes.BadRequest;
            }

            var clock = Stopwatch.StartNew();
            try
            {
                var chain = await DatabaseBackupChain.LoadAsync(catalog, manifest, ct);
                var restored = await BaseBackupRestore.RestoreAsync(catalog.Store, chain, parse.GetValue(to)!, parse.GetValue(owner),
                    delta: parse.GetValue(delta), cancellationToken: ct);
                if (overrides.Count > 0)
                {
                    var autoConf = Path.Combine(restored.DataDirectory, "postgresql.auto.conf");
                    await File.AppendAllLinesAsync(autoConf, ["# set by dr backup restore " + backupId, .. overrides.Select(o => $"{o.Name} = '{o.Value}'")],
                        ct);
                }

                Console.WriteLine($"restored {backupId} ({manifest.Database?.Source}, WAL to {manifest.Database?.StopLsn}) into {restored.DataDirectory}: " +
                    $"{restored.Files} files ({restored.Kept} kept as they were), {restored.Bytes / 1e6:F0} MB in {clock.Elapsed.TotalSeconds:F2} s; "
                    + (chain.Files is null ? "start it with pg_ctl"
                        : $"an incremental (chain of {chain.Backups.Count}): it replays archived WAL from {manifest.Database?.StartLsn}, so give it a " +
                            "restore_command (dr wal fetch %f %p) and a recovery.signal before pg_ctl start"));
                return ExitCodes.Ok;
            }
            catch (Exception e) when (e is ArgumentException or ChecksumMismatchException or InvalidDataException or DrException)
            {
                Console.Error.WriteLine($"dr: restore of {backupId} failed, nothing left behind: {e.Message}");
                return ExitCodes.Of(ErrorKinds.Of(e));
            }
        }));
        return command;
    }

    private static (string Name, string Value, string? Error) ParseSetting(string text)
    {
        var at = text.IndexOf('=');
        return at <= 0 || text.AsSpan(0, at).ContainsAny(" '\n")
            ? ("", "", $"--set '{text}': expected name=value")
            : text.Contains('\'') || text.Contains('\n')
                ? ("", "", $"--set '{text}': quotes and newlines are not allowed in values")
                : (text[..at].Trim(), text[(at + 1)..].Trim(), null);
    }
}
