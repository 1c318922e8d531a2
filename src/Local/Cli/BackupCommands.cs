using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using CausalEval.Dr.Adapters.Files;
using CausalEval.Dr.Adapters.Postgres;
using CausalEval.Dr.Adapters.Runs;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core;
using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Runs;
using CausalEval.Dr.Local.Hosting;
using Microsoft.Extensions.Configuration;
using static CausalEval.Dr.Local.Cli.GlobalOptions;

namespace CausalEval.Dr.Local.Cli;

/// <summary>`dr backup list | verify | runs`: the catalog read from the object store itself (run and restore: own files).</summary>
public static class BackupCommands
{
    public static Command Backup()
    {
        var backup = new Command("backup", "Backups in the configured object store");
        backup.Subcommands.Add(List());
        backup.Subcommands.Add(Verify());
        backup.Subcommands.Add(BackupRunCommand.Run());
        backup.Subcommands.Add(Runs());
        backup.Subcommands.Add(BackupRestoreCommand.Restore());
        return backup;
    }

    /// <summary>The catalog of the configured store; <see cref="LocalConfiguration.OpenStore"/> is the one way commands open it.</summary>
    internal static (BackupCatalog Catalog, IConfiguration Configuration) Open(ParseResult parse)
    {
        var configuration = Configuration(parse);
        return (new BackupCatalog(configuration.OpenStore(State(parse))), configuration);
    }

    private static Command List()
    {
        var json = new Option<bool>("--json");
        var list = new Command("list", "Every backup, newest first, with its status: running, complete, failed or verified") { json };
        list.SetAction((parse, ct) => ExitCodes.Guard(async () =>
        {
            var (catalog, _) = Open(parse);
            var rows = new JsonArray();
            foreach (var kind in BackupKind.InCatalog)
            {
                foreach (var e in await catalog.ListAsync(kind, DateTimeOffset.UtcNow, ct))
                {
                    rows.Add(new JsonObject
                    {
                        ["id"] = e.BackupId,
                        ["kind"] = e.Kind.Name,
                        ["status"] = e.StatusName,
                        ["takenAt"] = e.At.ToString("O"),
                        ["sizeBytes"] = e.Manifest?.ArchiveSizeBytes ?? e.Progress?.StoredBytes,
                        ["durationSeconds"] = e.Manifest?.Database?.DurationSeconds,
                        ["source"] = e.Manifest?.Database?.Source ?? e.Progress?.Source,
                        ["startLsn"] = e.Manifest?.Database?.StartLsn,
                        ["stopLsn"] = e.Manifest?.Database?.StopLsn,
                        ["timeline"] = e.Manifest?.Database?.Timeline,
                        ["type"] = e.Manifest?.Database?.Type,
                        ["parent"] = e.Manifest?.Database?.ParentId,
                        ["progress"] = e.Status == BackupStatus.Running && e.Progress is { } p ? Progress(p) : null,
                        ["detail"] = e.Detail,
                    });
                }
            }

            // File-storage points: each the whole state of a region's file store as of its run (its objects, and what it changed).
            foreach (var point in (await new Adapters.FileStorage.FileBackupStore(catalog.Store).ListPointsAsync(cancellationToken: ct)).Reverse())
            {
                rows.Add(new JsonObject
                {
                    ["id"] = point.Id,
                    ["kind"] = BackupKind.FileStorage.Name,
                    ["status"] = "complete",
                    ["takenAt"] = point.TakenAt.ToString("O"),
                    ["completedAt"] = point.CompletedAt.ToString("O"),
                    ["sizeBytes"] = point.Bytes,
                    ["source"] = $"{point.Region} ({point.Source})",
                    ["objects"] = point.Objects,
                    ["parent"] = point.Parent,
                    ["detail"] = $"{point.Objects} objects; +{point.Added} ~{point.Changed} -{point.Deleted}, {point.CopiedBytes} bytes copied",
                });
            }

            if (parse.GetValue(json))
            {
                Console.WriteLine(rows.ToJsonString(DrJson.Indented));
                return ExitCodes.Ok;
            }

            Console.WriteLine($"{"id",-28} {"kind",-18} {"status",-9} {"size",12}  lsn / detail");
            foreach (var r in rows)
            {
                var lsn = r!["startLsn"] is null ? "" : $"{r["startLsn"]}..{r["stopLsn"]}" + (r["parent"] is { } parent ? $" incremental on {parent} " : " ");
                Console.WriteLine($"{r["id"],-28} {r["kind"],-18} {r["status"],-9} {r["sizeBytes"],12}  {lsn}{r["progress"]}{r["detail"]}");
            }

            return ExitCodes.Ok;
        }));
        return list;
    }

    private static Command Verify()
    {
        var id = new Argument<string>("backup-id");
        var verify = new Command("verify", "Download a backup, check every checksum (and pg_verifybackup for database backups), mark it verified") { id };
        verify.SetAction((parse, ct) => ExitCodes.Guard(async () =>
        {
            var (catalog, configuration) = Open(parse);
            var backupId = parse.GetValue(id)!;
            BackupManifest? manifest = null;
            foreach (var kind in BackupKind.InCatalog)
            {
                manifest ??= await catalog.TryGetAsync(kind, backupId, ct);
            }

            if (manifest is null)
            {
                throw new BadInputException($"no complete backup '{backupId}' in {catalog.Store.Location}");
            }

            try
            {
                var details = manifest.Database is not null
                    ? await VerifyDatabaseAsync(catalog, manifest, configuration, ct)
                    : await FileSetArchive.VerifyFilesAsync(catalog.Store, manifest, ct);
                await catalog.MarkVerifiedAsync(manifest.Kind, manifest.BackupId, details, ct);
                Console.WriteLine($"{manifest.Kind} backup {manifest.BackupId} verified: {details}");
                return ExitCodes.Ok;
            }
            catch (CorruptDataException e)
            {
                throw new CorruptDataException($"backup {backupId} FAILED verification: {e.Message}");
            }
        }));
        return verify;
    }

    private static async Task<string> VerifyDatabaseAsync(BackupCatalog catalog, BackupManifest manifest, IConfiguration configuration, CancellationToken ct)
    {
        var bin = configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>()?.BinDirectory ?? new DatabaseOptions().BinDirectory;
        var outcome = await BaseBackupVerifier.VerifyAsync(catalog.Store, manifest, bin, ct);
        return outcome.Valid ? outcome.Output : throw new CorruptDataException($"pg_verifybackup: {outcome.Output}");
    }

    /// <summary>`dr backup runs`: the backup runbooks' recorded runs of the period, and the success rate per kind.</summary>
    private static Command Runs()
    {
        var days = new Option<double>("--days") { Description = "Period, in days back from now", DefaultValueFactory = _ => 30 };
        var json = new Option<bool>("--json");
        var command = new Command("runs", "Backup runs (success, duration, size) and the success rate per kind") { days, json };
        command.SetAction((parse, ct) => ExitCodes.Guard(async () =>
        {
            var now = DateTimeOffset.UtcNow;
            var since = now.AddDays(-parse.GetValue(days));
            var runs = (await new RunRecordStore(Configuration(parse).OpenStore(State(parse))).ListAsync(since, now, cancellationToken: ct))
                .Where(r => r.BackupKind is not null).ToList();
            var rates = BackupSuccessRate.Of(runs);
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new { since, successRates = rates, runs }, DrJson.Indented));
                return ExitCodes.Ok;
            }

            foreach (var rate in rates)
            {
                Console.WriteLine($"{rate.Kind,-18} {rate.Succeeded}/{rate.Runs} runs succeeded ({rate.Rate:P1}) since {since:yyyy-MM-dd HH:mm}Z");
            }

            foreach (var run in runs)
            {
                var size = run.Figures?.GetValueOrDefault("sizeBytes");
                Console.WriteLine($"  {run.EndedAt:yyyy-MM-dd HH:mm:ss}Z {run.BackupKind,-18} {(run.Succeeded ? "ok    "
                    : "FAILED")} {run.DurationSeconds,8:F1} s {size,12} {run.Subject} {run.Error?.Message}");
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
}
