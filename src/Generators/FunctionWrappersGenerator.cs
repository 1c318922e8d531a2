using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace CausalEval.Dr.Generators;

/// <summary>
/// Writes the Functions app's task functions, as durabletask-dotnet's <c>[DurableTask]</c> generator does (its package
/// is not served here): one <c>[OrchestrationTrigger]</c> per row of the runbook registry, one <c>[ActivityTrigger]</c>
/// per activity class of the Orchestrations project, one <c>[TimerTrigger]</c> per scheduled row, bound to its setting.
/// Adding a runbook or an activity is never also adding a wrapper.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class FunctionWrappersGenerator : IIncrementalGenerator
{
    private const string RegistryFile = "RunbookRegistry.cs";

    private static readonly DiagnosticDescriptor NoRegistry = new("DRGEN001", "Runbook registry missing",
        "The Functions build needs {0} as an AdditionalFiles item: no orchestrator or timer function was generated", "CausalEval.Dr", DiagnosticSeverity.Error,
            true);

    private static readonly DiagnosticDescriptor UnknownRunbook = new("DRGEN002", "Registry row without an orchestrator",
        "The registry row typeof({0}) names no TaskOrchestrator<TInput, TOutput> class of CausalEval.Dr.Orchestrations", "CausalEval.Dr",
            DiagnosticSeverity.Error, true);

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var enabled = context.AnalyzerConfigOptionsProvider.Select((options, _) =>
            options.GlobalOptions.TryGetValue("build_property.DrGenerate", out var value) && value == "FunctionWrappers");
        var registry = context.AdditionalTextsProvider
            .Where(file => Path.GetFileName(file.Path) == RegistryFile)
            .Select((file, cancellationToken) => file.GetText(cancellationToken)?.ToString() ?? "")
            .Collect();
        context.RegisterSourceOutput(context.CompilationProvider.Combine(registry).Combine(enabled), (output, source) =>
        {
            if (source.Right)
            {
                Emit(output, source.Left.Left, source.Left.Right);
            }
        });
    }

    private static void Emit(SourceProductionContext output, Compilation compilation, ImmutableArray<string> registry)
    {
        if (registry.Length != 1)
        {
            output.ReportDiagnostic(Diagnostic.Create(NoRegistry, Location.None, RegistryFile));
            return;
        }

        var orchestrators = TasksOf(compilation, "CausalEval.Dr.Orchestrations", "TaskOrchestrator");
        var runbooks = new List<(INamedTypeSymbol Type, string? Schedule)>();
        foreach (var row in RegistryRows.Parse(registry[0]))
        {
            var type = orchestrators.FirstOrDefault(o => ("." + o.ToDisplayString()).EndsWith("." + row.Orchestrator, System.StringComparison.Ordinal));
            if (type is null)
            {
                output.ReportDiagnostic(Diagnostic.Create(UnknownRunbook, Location.None, row.Orchestrator));
                continue;
            }

            runbooks.Add((type, row.Schedule));
        }

        var activities = TasksOf(compilation, "CausalEval.Dr.Orchestrations", "TaskActivity");
        output.AddSource("TaskFunctions.g.cs", WrapperSource.Tasks(runbooks.Select(r => r.Type).ToList(), activities));
        output.AddSource("ScheduledRunbookTimers.g.cs", WrapperSource.Timers(runbooks.Where(r => r.Schedule is not null).Select(r => r.Schedule!).ToList()));
    }

    /// <summary>The public, concrete classes of <paramref name="assembly"/> that derive from Microsoft.DurableTask's <paramref name="baseName"/>&lt;TInput,
    /// TOutput&gt;.</summary>
    private static IReadOnlyList<INamedTypeSymbol> TasksOf(Compilation compilation, string assembly, string baseName)
    {
        var found = new List<INamedTypeSymbol>();
        var symbol = compilation.SourceModule.ReferencedAssemblySymbols.FirstOrDefault(a => a.Name == assembly);
        if (symbol is null)
        {
            return found;
        }

        var namespaces = new Stack<INamespaceSymbol>([symbol.GlobalNamespace]);
        while (namespaces.Count > 0)
        {
            var current = namespaces.Pop();
            foreach (var inner in current.GetNamespaceMembers())
            {
                namespaces.Push(inner);
            }

            found.AddRange(current.GetTypeMembers().Where(t => t is { IsAbstract: false, DeclaredAccessibility: Accessibility.Public }
                && TaskArguments(t, baseName) is not null));
        }

        return found.OrderBy(t => t.Name, System.StringComparer.Ordinal).ToList();
    }

    /// <summary>TInput and TOutput of the <paramref name="baseName"/>&lt;,&gt; a task derives from; null when it derives from none.</summary>
    internal static ImmutableArray<ITypeSymbol>? TaskArguments(INamedTypeSymbol type, string baseName)
    {
        for (var t = type.BaseType; t is not null; t = t.BaseType)
        {
            if (t is { Name: var name, TypeArguments.Length: 2 } && name == baseName && t.ContainingNamespace.ToDisplayString() == "Microsoft.DurableTask")
            {
                return t.TypeArguments;
            }
        }

        return null;
    }
}
