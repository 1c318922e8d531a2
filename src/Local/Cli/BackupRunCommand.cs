using System.CommandLine;
using System.Net;
using System.Text.Json.Nodes;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Orchestrations.Registry;
using static CausalEval.Dr.Local.Cli.GlobalOptions;

namespace CausalEval.Dr.Local.Cli;

/// <summary>
/// `dr backup run KIND`: starts the runbook that takes backups of that kind (as the schedule would) and shows
/// its progress, including the bytes a running base backup has sent and stored (read from its heartbeat).
/// </summary>
public static class BackupRunCommand
{
    private static IEnumerable<BackupKind> Kinds => BackupKind.All.Where(k => RunbookRegistry.TakingBackupsOf(k) is not null);

    public static Command Run()
    {
        var kind = new Argument<string>("kind") { Description = string.Join(" | ", Kinds.Select(k => k.Name)) };
        var source = new Option<string?>("--source") { Description = "database only: primary (default) or standby" };
        var keepDays = new Option<double?>("--keep-days") { Description = "database only: retention for this run (default: Retention:Database:KeepDays, else " +
            "30)" };
        var keepCount = new Option<int?>("--keep-count") { Description = "configuration, application-state, metrics, logs: retention for this run" };
        var type = new Option<string?>("--type") { Description = "database only: full (default) or incremental (the files changed since the newest backup)" };
        var json = new Option<bool>("--json") { Description = "Print the final status as JSON" };
        var timeout = new Option<int>("--timeout") { Description = "Seconds to wait", DefaultValueFactory = _ => 3600 };
        var command = new Command("run", "Take a backup now and show its progress") { kind, type, source, keepDays, keepCount, json, timeout };
        command.SetAction(async (parse, ct) =>
        {
            if (!BackupKind.TryParse(parse.GetValue(kind), out var backupKind) || RunbookRegistry.TakingBackupsOf(backupKind) is not { } runbook)
            {
                Console.Error.WriteLine($"dr: unknown backup kind '{parse.GetValue(kind)}' (known: {string.Join(", ", Kinds.Select(k => k.Name))})");
                return ExitCodes.BadRequest;
            }

            var isDatabase = backupKind == BackupKind.Database;
            var incremental = parse.GetValue(type) switch
            {
                null or "full" => false,
                "incremental" => true,
                var other => (bool?)null,
            };
            if (incremental is null)
            {
                Console.Error.WriteLine($"dr: --type '{parse.GetValue(type)}' is not a database backup type (full or incremental)");
                return ExitCodes.BadRequest;
            }

            var misplaced = new[] { ("--source", parse.GetValue(source) is not null && (!isDatabase || incremental == true)),
                ("--type", parse.GetValue(type) is not null && !isDatabase),
                ("--keep-days", parse.GetValue(keepDays) is not null && !isDatabase),
                ("--keep-count", parse.GetValue(keepCount) is not null && (isDatabase || backupKind == BackupKind.Wal
                    || backupKind == BackupKind.FileStorage)) }
                .Where(o => o.Item2).Select(o => o.Item1).ToList();
            if (misplaced.Count > 0)
            {
                Console.Error.WriteLine($"dr: {string.Join(", ", misplaced)} do not apply to {backupKind} backups");
                return ExitCodes.BadRequest;
            }

            var input = new JsonObject();
            if (parse.GetValue(source) is { } s)
            {
                input["source"] = s;
            }

            if (parse.GetValue(keepDays) is { } days)
            {
                input["keepDays"] = days;
            }

            if (parse.GetValue(keepCount) is { } count)
            {
                input["keepCount"] = count;
            }

            await using var host = await HostAsync(parse, needsWorker: true, ct);
            var name = incremental == true ? nameof(Orchestrations.Backups.DatabaseIncrementalBackup) : runbook.Name;
            var started = await host.Client.StartAsync(name, input.ToJsonString(), instanceId: null);
            if (started.Status != HttpStatusCode.Accepted)
            {
                return InstanceWatcher.Fail(started);
            }

            var id = started.Body!["id"]!.GetValue<string>();
            Console.Error.WriteLine($"dr: {name} started as {id}");
            var catalog = isDatabase ? TryOpenCatalog(parse) : null;
            return await InstanceWatcher.WaitAsync(host, id, parse.GetValue(json), TimeSpan.FromSeconds(parse.GetValue(timeout)), ct,
                catalog is null ? null : status => BaseBackupProgressAsync(catalog, status, ct));
        });
        return command;
    }

    private static BackupCatalog? TryOpenCatalog(ParseResult parse)
    {
        try
        {
            return BackupCommands.Open(parse).Catalog;
        }
        catch (Exception e) when (e is Core.Errors.DrConfigurationException)
        {
            return null; // progress lines without byte counts; the runbook reports the real problem
        }
    }

    /// <summary>The heartbeat of the base backup the run's status names as its subject.</summary>
    private static async Task<string?> BaseBackupProgressAsync(BackupCatalog catalog, JsonNode status, CancellationToken ct)
    {
        if (status["customStatus"]?["subject"]?.GetValue<string>() is not { } backupId)
        {
            return null;
        }

        var progress = await catalog.TryGetProgressAsync(BackupKind.Database, backupId, ct);
        return progress is null ? null : BackupCommands.Progress(progress);
    }
}
