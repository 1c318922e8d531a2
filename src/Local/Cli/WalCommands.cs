using System.CommandLine;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Adapters.Wal;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Local.Hosting;
using Microsoft.Extensions.Configuration;

namespace CausalEval.Dr.Local.Cli;

/// <summary>
/// `dr wal push %p` (archive_command) and `dr wal fetch %f %p` (restore_command). PostgreSQL reads only
/// the exit code: 0 archived/restored, non-zero not (it retries a failed push, and takes a failed fetch as
/// "not in the archive"). Storage comes from settings, never from the command line (it holds secrets).
/// </summary>
public static class WalCommands
{
    public static Command Wal(Option<string?> settings)
    {
        var wal = new Command("wal", "Continuous WAL archiving into the configured object store");

        var path = new Argument<string>("path") { Description = "The segment PostgreSQL asks to archive (%p)" };
        var push = new Command("push", "Compress, checksum and upload one WAL file (archive_command)") { path };
        push.SetAction(async (parse, ct) => await RunAsync(parse, settings, async archive =>
        {
            var result = await archive.PushAsync(parse.GetValue(path)!, ct);
            Console.Error.WriteLine($"dr wal push: {result.Name} {(result.AlreadyArchived ? "already archived, identical"
                : $"archived ({result.SourceBytes} → {result.StoredBytes} bytes)")}");
            return ExitCodes.Ok;
        }));
        wal.Subcommands.Add(push);

        var name = new Argument<string>("name") { Description = "The file PostgreSQL asks for (%f)" };
        var destination = new Argument<string>("destination") { Description = "Where to write it (%p)" };
        var fetch = new Command("fetch", "Download, verify and decompress one WAL file (restore_command)") { name, destination };
        fetch.SetAction(async (parse, ct) => await RunAsync(parse, settings, async archive =>
        {
            if (await archive.FetchAsync(parse.GetValue(name)!, parse.GetValue(destination)!, ct))
            {
                return ExitCodes.Ok;
            }

            Console.Error.WriteLine($"dr wal fetch: {parse.GetValue(name)} is not in the archive");
            return ExitCodes.Failed;
        }));
        wal.Subcommands.Add(fetch);
        return wal;
    }

    private static async Task<int> RunAsync(ParseResult parse, Option<string?> settings, Func<WalArchive, Task<int>> action)
    {
        try
        {
            var options = LocalConfiguration.Build(parse.GetValue(settings)).Storage();
            return await action(new WalArchive(options.CreateStore()));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // PostgreSQL only reads the exit code (and logs this line): non-zero means "not archived / not restored".
            Console.Error.WriteLine($"dr wal: {e.Message}");
            return ExitCodes.Of(ErrorKinds.Of(e));
        }
    }
}
