using CausalEval.Dr.Adapters.Azurite;
using System.CommandLine;
using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using CausalEval.Dr.Activities.ApplicationState;
using CausalEval.Dr.Activities.ConfigurationBackup;
using CausalEval.Dr.Activities.DatabaseBackup;
using CausalEval.Dr.Activities.FileBackup;
using CausalEval.Dr.Adapters.Postgres;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Local.Hosting;
using Microsoft.Extensions.Configuration;
using ZstdSharp;

namespace CausalEval.Dr.Local.Cli;

/// <summary>`dr backup list` and `dr backup verify`: the catalog read from the object store itself (run and restore: own files).</summary>
public static class BackupCommands
{
    internal static IEnumerable<string> Kinds => BackupRunCommand.Runbooks.Keys;
    private static readonly JsonSerializerOptions Pretty = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static Command Backup(Option<string?> stateDir, Option<string?> settings)
    {
        var backup = new Command("backup", "Backups in the configured object store");
        var json = new Option<bool>("--json");
        var list = new Command("list", "Every backup, newest first, with its status: running, complete, failed or verified") { json };
        list.SetAction((parse, ct) => Guard(async () =>
        {
            var (catalog, _) = Open(parse, stateDir, settings);
            var rows = new JsonArray();
            foreach (var kind in Kinds)
            {
                foreach (var e in await catalog.ListAsync(kind, DateTimeOffset.UtcNow, ct))
                {
                    rows.Add(new JsonObject
                    {
                        ["id"] = e.BackupId,
                        ["kind"] = e.Kind,
                        ["status"] = e.Status,
                        ["takenAt"] = e.At.ToString("O"),
                        ["sizeBytes"] = e.Manifest?.ArchiveSizeBytes ?? e.Progress?.StoredBytes,
                        ["durationSeconds"] = e.Manifest?.Database?.DurationSeconds,
                        ["source"] = e.Manifest?.Database?.Source ?? e.Progress?.Source,
                        ["startLsn"] = e.Manifest?.Database?.StartLsn,
                        ["stopLsn"] = e.Manifest?.Database?.StopLsn,
                        ["progress"] = e.Status == BackupStatus.Running && e.Progress is { } p ? Progress(p) : null,
                        ["detail"] = e.Detail,
                    });
                }
            }

            if (parse.GetValue(json))
            {
                Console.WriteLine(rows.ToJsonString(Pretty));
            }
            else
            {
                Console.WriteLine($"{"id",-28} {"kind",-14} {"status",-9} {"size",12}  lsn / detail");
                foreach (var r in rows)
                {
                    var lsn = r!["startLsn"] is null ? "" : $"{r["startLsn"]}..{r["stopLsn"]}";
                    Console.WriteLine($"{r["id"],-28} {r["kind"],-14} {r["status"],-9} {r["sizeBytes"],12}  {lsn}{r["progress"]}{r["detail"]}");
                }
            }

            return ExitCodes.Ok;
        }));
        backup.Subcommands.Add(list);

        var id = new Argument<string>("backup-id");
        var verify = new Command("verify", "Download a backup, check every checksum (and pg_verifybackup for database backups), mark it verified") { id };
        verify.SetAction((parse, ct) => Guard(async () =>
        {
            var (catalog, configuration) = Open(parse, stateDir, settings);
            var backupId = parse.GetValue(id)!;
            BackupManifest? manifest = null;
            foreach (var kind in Kinds)
            {
                manifest ??= await catalog.TryGetAsync(kind, backupId, ct);
            }

            if (manifest is null)
            {
                Console.Error.WriteLine($"dr: no complete backup '{backupId}' in {catalog.Store.Location}");
                return ExitCodes.BadRequest;
            }

            try
            {
                var details = manifest.Database is not null
                    ? await VerifyDatabaseAsync(catalog, manifest, configuration, ct)
                    : await VerifyArchiveFilesAsync(catalog, manifest, ct);
                await catalog.MarkVerifiedAsync(manifest.Kind, manifest.BackupId, details, ct);
                Console.WriteLine($"{manifest.Kind} backup {manifest.BackupId} verified: {details}");
                return ExitCodes.Ok;
            }
            catch (Exception e) when (e is ChecksumMismatchException or InvalidDataException)
            {
                Console.Error.WriteLine($"dr: backup {backupId} FAILED verification: {e.Message}");
                return ExitCodes.OrchestrationFailed;
            }
        }));
        backup.Subcommands.Add(verify);
        backup.Subcommands.Add(BackupRunCommand.Run(stateDir, settings));
        backup.Subcommands.Add(Runs(stateDir, settings));
        backup.Subcommands.Add(BackupRestoreCommand.Restore(stateDir, settings));
        return backup;
    }

    private static async Task<string> VerifyDatabaseAsync(BackupCatalog catalog, BackupManifest manifest, IConfiguration configuration, CancellationToken ct)
    {
        var bin = configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>()?.BinDirectory ?? new DatabaseOptions().BinDirectory;
        var outcome = await BaseBackupVerifier.VerifyAsync(catalog.Store, manifest, bin, ct);
        return outcome.Valid ? outcome.Output : throw new InvalidDataException($"pg_verifybackup: {outcome.Output}");
    }

    /// <summary>Re-hashes every file inside the archive against the manifest's list.</summary>
    private static async Task<string> VerifyArchiveFilesAsync(BackupCatalog catalog, BackupManifest manifest, CancellationToken ct)
    {
        using var archive = new MemoryStream();
        await catalog.Store.ReadVerifiedAsync(manifest.ArchiveKey, archive, ct);
        archive.Position = 0;
        var expected = manifest.Files.ToDictionary(f => f.Path, f => f.Sha256);
        var seen = 0;
        await using var zstd = new DecompressionStream(archive);
        await using var tar = new TarReader(zstd);
        while (await tar.GetNextEntryAsync(cancellationToken: ct) is { } entry)
        {
            using var bytes = new MemoryStream();
            if (entry.DataStream is not null)
            {
                await entry.DataStream.CopyToAsync(bytes, ct);
            }

            var sha = Convert.ToHexStringLower(SHA256.HashData(bytes.ToArray()));
            if (!expected.TryGetValue(entry.Name, out var listed) || listed != sha)
            {
                throw new InvalidDataException($"{entry.Name}: not as the manifest lists it");
            }

            seen++;
        }

        return seen == expected.Count ? $"{seen} files match the manifest" : throw new InvalidDataException($"{expected.Count - seen} files of the manifest are missing from the archive");
    }

    /// <summary>`dr backup runs`: every recorded run of the period, and the success rate per kind.</summary>
    private static Command Runs(Option<string?> stateDir, Option<string?> settings)
    {
        var days = new Option<double>("--days") { Description = "Period, in days back from now", DefaultValueFactory = _ => 30 };
        var json = new Option<bool>("--json");
        var command = new Command("runs", "Backup runs (success, duration, size) and the success rate per kind") { days, json };
        command.SetAction((parse, ct) => Guard(async () =>
        {
            var (catalog, _) = Open(parse, stateDir, settings);
            var since = DateTimeOffset.UtcNow.AddDays(-parse.GetValue(days));
            var runs = await catalog.ListRunsAsync(since, ct);
            var rates = BackupSuccessRate.Of(runs);
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new { since, successRates = rates, runs }, Pretty));
                return ExitCodes.Ok;
            }

            foreach (var rate in rates)
            {
                Console.WriteLine($"{rate.Kind,-18} {rate.Succeeded}/{rate.Runs} runs succeeded ({rate.Rate:P1}) since {since:yyyy-MM-dd HH:mm}Z");
            }

            foreach (var run in runs)
            {
                Console.WriteLine($"  {run.EndedAtUtc:yyyy-MM-dd HH:mm:ss}Z {run.Kind,-18} {(run.Succeeded ? "ok    " : "FAILED")} {run.DurationSeconds,8:F1} s {run.SizeBytes,12} {run.BackupId} {run.Error}");
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>"1.2 GB of 1.5 GB sent (80%), 60 MB stored".</summary>
    internal static string Progress(BackupProgressRecord p) =>
        p.TotalBytes > 0
            ? $"{p.SentBytes / 1e6:F0} MB of {p.TotalBytes / 1e6:F0} MB sent ({100.0 * p.SentBytes / p.TotalBytes:F0}%), {p.StoredBytes / 1e6:F1} MB stored"
            : $"{p.StoredBytes / 1e6:F1} MB stored";

    /// <summary>Configuration problems (no store, missing settings) end in one line naming them, exit 3.</summary>
    internal static async Task<int> Guard(Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (InvalidOperationException e)
        {
            Console.Error.WriteLine($"dr: {e.Message}");
            return ExitCodes.Unavailable;
        }
    }

    /// <summary>The configured store; for azure-blob with no connection string, the Azurite `dr` runs for this state directory.</summary>
    internal static (BackupCatalog Catalog, IConfiguration Configuration) Open(ParseResult parse, Option<string?> stateDir, Option<string?> settings)
    {
        var configuration = LocalConfiguration.Build(parse.GetValue(settings));
        var options = configuration.Storage();
        if (options.Kind == "azure-blob" && string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            var state = new StateDirectory(parse.GetValue(stateDir));
            options.ConnectionString = new ManagedAzurite(state.AzuriteDirectory).Running()?.ConnectionString
                ?? throw new InvalidOperationException($"Storage:ConnectionString is not set and no Azurite runs for {state.Path} (`dr run` starts one)");
        }

        return (new BackupCatalog(options.CreateStore()), configuration);
    }
}
