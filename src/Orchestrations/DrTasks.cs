using CausalEval.Dr.Orchestrations.Registry;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Worker;

namespace CausalEval.Dr.Orchestrations;

/// <summary>
/// THE task list both hosts take: the orchestrators of the runbook registry and every activity class. The local
/// runtime registers it with <see cref="Register"/>; the Functions app's wrappers are generated from the same
/// (src/Generators), and a test fails when the wrappers and this list differ.
/// </summary>
public static class DrTasks
{
    public static IReadOnlyList<Type> Orchestrators { get; } = RunbookRegistry.All.Select(r => r.Orchestrator).ToList();

    /// <summary>Every activity class: the public, concrete TaskActivity&lt;TInput, TOutput&gt; types of this project.</summary>
    public static IReadOnlyList<Type> Activities { get; } = typeof(DrTasks).Assembly.GetExportedTypes()
        .Where(t => t is { IsClass: true, IsAbstract: false } && IsActivity(t)).OrderBy(t => t.Name, StringComparer.Ordinal).ToList();

    public static void Register(DurableTaskRegistry registry)
    {
        foreach (var type in Orchestrators)
        {
            registry.AddOrchestrator(type);
        }

        foreach (var type in Activities)
        {
            registry.AddActivity(type);
        }
    }

    /// <summary>Task names are the class names (no [DurableTask] renames), as the Functions wrappers assume.</summary>
    public static string NameOf(Type task) => task.Name;

    private static bool IsActivity(Type type)
    {
        for (var t = type.BaseType; t is not null; t = t.BaseType)
        {
            if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(TaskActivity<,>))
            {
                return true;
            }
        }

        return false;
    }
}
