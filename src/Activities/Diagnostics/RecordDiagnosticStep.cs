using System.Text.RegularExpressions;
using Microsoft.DurableTask;
using Microsoft.Extensions.Options;

namespace CausalEval.Dr.Activities.Diagnostics;

public sealed record DiagnosticStepInput(string InstanceId, int Step, int DelayMs, string? Journal);

public sealed class DiagnosticsOptions
{
    public const string Section = "Diagnostics";

    /// <summary>Where journals go; defaults to a folder under the system temp directory.</summary>
    public string? JournalDirectory { get; set; }
}

/// <summary>
/// A no-op step for smoke tests and benchmarks of the runtime. With a journal name it appends
/// "started"/"completed" lines to a file outside the process, so a test can count executions
/// across a host crash.
/// </summary>
public sealed partial class RecordDiagnosticStep(IOptions<DiagnosticsOptions> options) : TaskActivity<DiagnosticStepInput, int>
{
    public override async Task<int> RunAsync(TaskActivityContext context, DiagnosticStepInput input)
    {
        var journal = JournalPath(options.Value, input.Journal);
        Append(journal, $"{input.InstanceId} step {input.Step} started");
        if (input.DelayMs > 0)
        {
            await Task.Delay(input.DelayMs);
        }

        Append(journal, $"{input.InstanceId} step {input.Step} completed");
        return input.Step;
    }

    public static string? JournalPath(DiagnosticsOptions options, string? journal)
    {
        if (journal is null)
        {
            return null;
        }

        if (!SafeName().IsMatch(journal))
        {
            throw new ArgumentException($"journal '{journal}': use letters, digits, '-' and '_' only");
        }

        var dir = options.JournalDirectory ?? Path.Combine(Path.GetTempPath(), "causal-eval-dr-journals");
        Directory.CreateDirectory(dir);
        return Path.Combine(dir, journal + ".log");
    }

    private static void Append(string? path, string line)
    {
        if (path is not null)
        {
            File.AppendAllText(path, line + Environment.NewLine);
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex SafeName();
}
