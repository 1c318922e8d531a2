using System.Text.RegularExpressions;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;
using Microsoft.Extensions.Options;

namespace CausalEval.Dr.Orchestrations.Diagnostics;

/// <param name="Fail">Fail this step (after its "started" line), to exercise failure handling.</param>
/// <param name="Undo">This call undoes the step: journals "undone" instead of running it.</param>
public sealed record DiagnosticStepInput(string InstanceId, int Step, int DelayMs, string? Journal, bool Fail = false, bool Undo = false);

public sealed class DiagnosticsOptions
{
    public const string Section = "Diagnostics";

    /// <summary>Where journals go (`dr` sets {state}/journals). Never a shared default such as /tmp: a folder another user made first would take our
    /// lines.</summary>
    public string? JournalDirectory { get; set; }
}

/// <summary>
/// A no-op step for smoke tests and benchmarks of the runtime. With a journal name it appends
/// "started"/"completed" (or "undone") lines to a file outside the process, so a test can count executions
/// across a host crash and see the order of compensations.
/// </summary>
public sealed partial class RecordDiagnosticStep(IOptions<DiagnosticsOptions> options) : DrActivity<RecordDiagnosticStep, DiagnosticStepInput, int>
{
    public override async Task<int> RunAsync(TaskActivityContext context, DiagnosticStepInput input)
    {
        var journal = JournalPath(options.Value, input.Journal);
        if (input.Undo)
        {
            Append(journal, $"{input.InstanceId} step {input.Step} undone");
            return input.Step;
        }

        Append(journal, $"{input.InstanceId} step {input.Step} started");
        if (input.Fail)
        {
            throw new StepFailedException($"step {input.Step} fails as asked (failAt)");
        }

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
            throw new BadInputException($"journal '{journal}': use letters, digits, '-' and '_' only");
        }

        var dir = options.JournalDirectory is { Length: > 0 } configured ? configured
            : throw new DrConfigurationException($"{DiagnosticsOptions.Section}:JournalDirectory is not set: a journal needs a folder of this host's own");
        Adapters.Files.OwnerOnly.CreateDirectory(dir);
        return Path.Combine(Adapters.Files.TrustedPath.Checked(dir, "the journal folder"), journal + ".log");
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
