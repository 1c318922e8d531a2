using CausalEval.Dr.Adapters.Files;
using System.CommandLine;
using System.Net;
using System.Text.Json.Nodes;
using CausalEval.Dr.Activities.ApplicationState;
using CausalEval.Dr.Activities.ConfigurationBackup;
using CausalEval.Dr.Activities.DatabaseBackup;
using CausalEval.Dr.Activities.FileBackup;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Local.Hosting;

namespace CausalEval.Dr.Local.Cli;

/// <summary>
/// `dr backup run KIND`: starts the backup runbook of that kind (as the schedule would) and shows its
/// progress, including the bytes a running base backup has sent and stored (read from its heartbeat).
/// </summary>
public static class BackupRunCommand
{
    /// <summary>Backup kind (as the catalog names it) → the runbook that takes it; also the kinds `dr backup list` shows.</summary>
    public static readonly IReadOnlyDictionary<string, string> Runbooks = new Dictionary<string, string>
    {
        [TakeBaseBackup.Kind] = "BackupDatabase",
        [SnapshotConfiguration.Kind] = "BackupConfiguration",
        [SnapshotApplicationState.Kind] = "BackupApplicationState",
        [FileSets.Metrics.Kind] = "BackupMetrics",
        [FileSets.Logs.Kind] = "BackupLogs",
    };

    public static Command Run(Option<string?> stateDir, Option<string?> settings)
    {
        var kind = new Argument<string>("kind") { Description = string.Join(" | ", Runbooks.Keys) };
        var source = new Option<string?>("--source") { Description = "database only: primary (default) or standby" };
        var keepDays = new Option<double?>("--keep-days") { Description = "database only: retention for this run (default: the seed's 30 days)" };
        var json = new Option<bool>("--json") { Description = "Print the final status as JSON" };
        var timeout = new Option<int>("--timeout") { Description = "Seconds to wait", DefaultValueFactory = _ => 3600 };
        var command = new Command("run", "Take a backup now and show its progress") { kind, source, keepDays, json, timeout };
        command.SetAction(async (parse, ct) =>
        {
            var name = parse.GetValue(kind)!;
            if (!Runbooks.TryGetValue(name, out var runbook))
            {
                Console.Error.WriteLine($"dr: unknown backup kind '{name}' (known: {string.Join(", ", Runbooks.Keys)})");
                return ExitCodes.BadRequest;
            }

            var input = new JsonObject { ["trigger"] = "dr backup run" };
            if (parse.GetValue(source) is { } s)
            {
                input["source"] = s;
            }

            if (parse.GetValue(keepDays) is { } days)
            {
                input["keepDays"] = days;
            }

            var state = new StateDirectory(parse.GetValue(stateDir));
            await using var host = await HostConnection.OpenAsync(state, parse.GetValue(settings), needsWorker: true, ct);
            var started = await host.Client.StartAsync(runbook, input.ToJsonString(), instanceId: null);
            if (started.Status != HttpStatusCode.Accepted)
            {
                return Commands.Fail(started);
            }

            var id = started.Body!["id"]!.GetValue<string>();
            Console.Error.WriteLine($"dr: {runbook} started as {id}");
            var catalog = name == TakeBaseBackup.Kind ? TryOpenCatalog(parse, stateDir, settings) : null;
            return await Commands.WaitAsync(host.Client, id, parse.GetValue(json), TimeSpan.FromSeconds(parse.GetValue(timeout)), ct,
                catalog is null ? null : status => BaseBackupProgressAsync(catalog, status, ct));
        });
        return command;
    }

    private static BackupCatalog? TryOpenCatalog(ParseResult parse, Option<string?> stateDir, Option<string?> settings)
    {
        try
        {
            return BackupCommands.Open(parse, stateDir, settings).Catalog;
        }
        catch (InvalidOperationException)
        {
            return null; // progress lines without byte counts; the runbook reports the real problem
        }
    }

    private static async Task<string?> BaseBackupProgressAsync(BackupCatalog catalog, JsonNode status, CancellationToken ct)
    {
        if (status["customStatus"]?["backupId"]?.GetValue<string>() is not { } backupId)
        {
            return null;
        }

        var progress = await catalog.TryGetProgressAsync(TakeBaseBackup.Kind, backupId, ct);
        return progress is null ? null : BackupCommands.Progress(progress);
    }
}
