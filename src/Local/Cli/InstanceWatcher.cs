using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using CausalEval.Dr.Core;
using CausalEval.Dr.Core.Errors;

namespace CausalEval.Dr.Local.Cli;

/// <summary>Waiting for an instance, and printing what its status says (the runbook's typed custom status).</summary>
public static class InstanceWatcher
{
    /// <summary>
    /// Polls until the instance ends, printing a progress line whenever its step or detail changes;
    /// <paramref name="more"/> may add what the status cannot say (bytes a running base backup has sent).
    /// </summary>
    public static async Task<int> WaitAsync(HostConnection host, string id, bool json, TimeSpan timeout, CancellationToken ct,
        Func<JsonNode, Task<string?>>? more = null)
    {
        var clock = Stopwatch.StartNew();
        string? last = null;
        while (clock.Elapsed < timeout)
        {
            var reply = await host.Client.StatusAsync(id, history: false);
            var body = reply.Body!;
            var running = reply.Status == HttpStatusCode.Accepted;
            var progress = $"{body["runtimeStatus"]} {StepLine(body, withElapsed: false)}";
            var extra = running && more is not null ? await more(body) : null;
            if (progress + extra != last)
            {
                var step = StepLine(body, withElapsed: running);
                Console.Error.WriteLine($"[{clock.Elapsed.TotalSeconds,6:F1}s] {id}: {body["runtimeStatus"]} {step} {extra}".TrimEnd());
                last = progress + extra;
            }

            if (!running)
            {
                Print(body, json);
                return ExitCodeOf(body);
            }

            await Task.Delay(100, ct); // a short backup should not wait a quarter second to be reported done
        }

        Console.Error.WriteLine(host.IsEmbedded
            ? $"dr: {id} still running after {timeout.TotalSeconds:F0} s; no `dr serve` runs it once this command exits (start one and it goes on)"
            : $"dr: {id} still running after {timeout.TotalSeconds:F0} s; `dr serve` goes on with it (check with `dr status {id}`)");
        return ExitCodes.TimedOut;
    }

    /// <summary>"step 2 of 3 'retention' (1.4 s so far): detail", from the runbook's status; empty for other instances.</summary>
    public static string StepLine(JsonNode status, bool withElapsed)
    {
        if (status["customStatus"] is not JsonObject step || step["step"] is null)
        {
            return "";
        }

        var line = $"step {step["index"]} of {step["count"]} '{step["step"]}'";
        if (withElapsed && step["stepStartedAt"]?.GetValue<DateTime>() is { } started)
        {
            line += $" ({(DateTime.UtcNow - started.ToUniversalTime()).TotalSeconds:F1} s so far)";
        }

        return step["detail"] is { } detail ? $"{line}: {detail}" : line;
    }

    public static int ExitCodeOf(JsonNode status) => status["runtimeStatus"]?.GetValue<string>() switch
    {
        "Completed" => ExitCodes.Ok,
        "Failed" => ErrorKinds.ExitCode(Enum.TryParse<ErrorKind>(status["failureDetails"]?["errorKind"]?.GetValue<string>()?.Replace("-", ""),
            ignoreCase: true, out var kind)
            ? kind : ErrorKind.Failed),
        "Terminated" or "Canceled" => ExitCodes.Failed,
        _ => ExitCodes.Ok,
    };

    public static void Print(JsonNode status, bool json)
    {
        if (json)
        {
            Console.WriteLine(status.ToJsonString(DrJson.Indented));
            return;
        }

        var step = StepLine(status, withElapsed: status["runtimeStatus"]?.GetValue<string>() is "Running" or "Pending");
        Console.WriteLine($"{status["name"]} {status["instanceId"]}: {status["runtimeStatus"]}{(step.Length > 0 ? $", {step}" : "")}");
        if (status["failureDetails"] is { } failure)
        {
            // The error itself, in words: a failed run's output is only the same error, serialized.
            Console.WriteLine($"  failed ({failure["errorKind"]}): {failure["errorMessage"]}");
        }
        else if (status["output"] is { } output)
        {
            Console.WriteLine(output.ToJsonString(DrJson.Indented));
        }

        if (status["historyEvents"] is JsonArray events)
        {
            foreach (var e in events)
            {
                Console.WriteLine($"  {e!["timestamp"]}  {e["eventType"],-28} {e["name"]}");
            }
        }
    }

    /// <summary>A refused request: one line, and 2 for what the caller got wrong, 3 when no host answered.</summary>
    public static int Fail(ApiClient.Reply reply)
    {
        Console.Error.WriteLine($"dr: {reply.Error}");
        return reply.Status is HttpStatusCode.BadRequest or HttpStatusCode.NotFound or HttpStatusCode.Conflict or HttpStatusCode.Gone
            ? ExitCodes.BadRequest
            : (int)reply.Status >= 500 ? ExitCodes.Unavailable : ExitCodes.Failed;
    }
}
