using System.Reflection;
using CausalEval.Dr.Orchestrations;
using CausalEval.Dr.Orchestrations.Steps;
using CausalEval.Dr.Tests.Fixtures;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Tests.Functions;

/// <summary>
/// Each [Function] wrapper of the Functions app takes and returns exactly the types of the task it wraps: an
/// activity trigger's parameter is the activity's input type and the wrapper returns Task of its output; an
/// orchestration wrapper returns Task of the runbook's output. Read from the built app's assembly without
/// loading it (MetadataLoadContext): the Functions host cannot run here, and a wrong type would only fail there.
/// </summary>
public sealed class Functions_wrappers_carry_each_tasks_own_types_test
{
    [Fact]
    public void Every_activity_and_orchestrator_wrapper_has_its_tasks_input_and_output_types()
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";
        var bin = Path.Combine(RepoPaths.Root, "src", "Functions", "bin", configuration, "net10.0");
        var app = Path.Combine(bin, "CausalEval.Dr.Functions.dll");
        Assert.True(File.Exists(app), $"{app} not found: build CausalEval.Dr.sln first (.ci/run does)");
        var runtime = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        using var context = new MetadataLoadContext(new PathAssemblyResolver(
            Directory.GetFiles(bin, "*.dll").Concat(Directory.GetFiles(runtime, "*.dll")).GroupBy(Path.GetFileName).Select(g => g.First())));
        var wrappers = context.LoadFromAssemblyPath(app).GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Select(m
                => (Method: m,
                Name: m.GetCustomAttributesData().FirstOrDefault(a => a.AttributeType.Name == "FunctionAttribute")?.ConstructorArguments[0].Value as string))
            .Where(w => w.Name is not null)
            .ToDictionary(w => w.Name!, w => w.Method);

        var problems = new List<string>();
        foreach (var activity in DrTasks.Activities)
        {
            var (input, output) = GenericArguments(activity, typeof(TaskActivity<,>));
            var wrapper = wrappers[DrTasks.NameOf(activity)];
            var trigger = wrapper.GetParameters().SingleOrDefault(p
                => p.GetCustomAttributesData().Any(a => a.AttributeType.Name == "ActivityTriggerAttribute"));
            Check(problems, activity.Name, "input", input, trigger?.ParameterType);
            Check(problems, activity.Name, "output", output, Awaited(wrapper.ReturnType));
        }

        foreach (var orchestrator in DrTasks.Orchestrators)
        {
            var (_, output) = GenericArguments(orchestrator, typeof(Runbook<,>));
            Check(problems, orchestrator.Name, "output", output, Awaited(wrappers[DrTasks.NameOf(orchestrator)].ReturnType));
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    private static (Type Input, Type Output) GenericArguments(Type task, Type generic)
    {
        for (var type = task.BaseType; type is not null; type = type.BaseType)
        {
            if (type.IsGenericType && type.GetGenericTypeDefinition() == generic)
            {
                return (type.GetGenericArguments()[0], type.GetGenericArguments()[1]);
            }
        }

        throw new InvalidOperationException($"{task.Name} does not derive from {generic.Name}");
    }

    /// <summary>T of Task&lt;T&gt; (by name: the wrapper's types live in another load context).</summary>
    private static Type? Awaited(Type returned) =>
        returned.IsGenericType && returned.GetGenericTypeDefinition().FullName == "System.Threading.Tasks.Task`1" ? returned.GetGenericArguments()[0] : null;

    private static void Check(List<string> problems, string task, string what, Type expected, Type? actual)
    {
        if (actual?.ToString() != expected.ToString())
        {
            problems.Add($"{task}: the wrapper's {what} is {actual?.ToString() ?? "missing"}, the task's is {expected}");
        }
    }
}
