using System.Collections;
using System.Reflection;
using System.Text.Json.Nodes;
using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.Functions;

/// <summary>
/// local.settings.sample.json key by key, for the settings bound to options classes (the classes with a
/// <c>Section</c> constant): every key of the sample under such a section names a real property path (a typo would
/// bind nothing and silently keep the default), and every setting of the flat sections is in the sample.
/// </summary>
public sealed class Functions_settings_sample_names_real_option_keys_test
{
    /// <summary>Read only by `dr serve` (its own task hub), never by the Functions app.</summary>
    private static readonly string[] LocalOnly = ["Runtime"];

    /// <summary>Sections whose every setting the sample lists (the topology is a tree of regions; its sample is an example).</summary>
    private static readonly string[] Flat = ["Database", "Storage", "Monitor", "ApplicationState", "Diagnostics", "Drills", "Alerts"];

    private static Dictionary<string, Type> OptionSections()
    {
        var assemblies = new[] { "CausalEval.Dr.Core", "CausalEval.Dr.Adapters",
            "CausalEval.Dr.Orchestrations" }.Select(Assembly.Load);
        return assemblies.SelectMany(a => a.GetTypes())
            .Select(t => (Type: t, Field: t.GetField("Section", BindingFlags.Public | BindingFlags.Static)))
            .Where(t => t.Field is { IsLiteral: true } && t.Field.FieldType == typeof(string))
            .ToDictionary(t => (string)t.Field!.GetRawConstantValue()!, t => t.Type);
    }

    private static List<string> SampleKeys() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "local.settings.sample.json")))!["Values"]!.AsObject()
            .Select(kv => kv.Key.Replace("__", ":")).ToList();

    [Fact]
    public void Every_sample_key_under_an_options_section_names_a_property()
    {
        var sections = OptionSections();
        Assert.Contains("Topology", sections.Keys); // the scan finds what it must
        var wrong = SampleKeys()
            .Select(k => k.Split(':'))
            .Where(parts => sections.TryGetValue(parts[0], out var type) && !Resolves(type, parts.Skip(1)))
            .Select(parts => string.Join(':', parts)).ToList();

        Assert.True(wrong.Count == 0, $"keys that bind to no property: {string.Join(", ", wrong)}");
    }

    [Fact]
    public void Every_setting_of_a_flat_section_is_in_the_sample()
    {
        var sections = OptionSections();
        var sample = SampleKeys().ToHashSet(StringComparer.OrdinalIgnoreCase);
        var missing = new List<string>();
        foreach (var section in Flat)
        {
            foreach (var path in ScalarPaths(sections[section], section))
            {
                // A dictionary or list level ("*") is documented by any one entry of it.
                var pattern = "^" + string.Join(":", path.Split(':').Select(p => p == "*" ? "[^:]+" : System.Text.RegularExpressions.Regex.Escape(p))) + "$";
                if (!sample.Any(k => System.Text.RegularExpressions.Regex.IsMatch(k, pattern, System.Text.RegularExpressions.RegexOptions.IgnoreCase)))
                {
                    missing.Add(path);
                }
            }
        }

        Assert.True(missing.Count == 0, $"read by the code, missing from local.settings.sample.json: {string.Join(", ", missing)}");
        Assert.All(sections.Keys.Except(Flat).Except(LocalOnly), s => Assert.Equal("Topology", s)); // a new section is flat, or named here
    }

    private static bool Resolves(Type type, IEnumerable<string> path)
    {
        foreach (var segment in path)
        {
            type = Nullable.GetUnderlyingType(type) ?? type;
            if (Element(type) is { } element)
            {
                if (IsDictionary(type) || int.TryParse(segment, out _))
                {
                    type = element;
                    continue;
                }

                return false;
            }

            var property = type.GetProperty(segment, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (property is null || (property.SetMethod is not { IsPublic: true } && Element(property.PropertyType) is null && IsScalar(property.PropertyType)))
            {
                return false;
            }

            type = property.PropertyType;
        }

        return IsScalar(Nullable.GetUnderlyingType(type) ?? type);
    }

    private static IEnumerable<string> ScalarPaths(Type type, string prefix)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod is { IsPublic: true }))
        {
            var propertyType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            var path = $"{prefix}:{property.Name}";
            if (IsScalar(propertyType))
            {
                yield return path;
            }
            else if (Element(propertyType) is { } element)
            {
                foreach (var inner in IsScalar(element) ? [path + ":*"] : ScalarPaths(element, path + ":*"))
                {
                    yield return inner;
                }
            }
            else
            {
                foreach (var inner in ScalarPaths(propertyType, path))
                {
                    yield return inner;
                }
            }
        }
    }

    private static bool IsScalar(Type type) => type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(TimeSpan);

    private static bool IsDictionary(Type type) => type.IsGenericType
        && type.GetInterfaces().Append(type).Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>));

    /// <summary>The value type of a dictionary or the element type of a list or array; null for anything else.</summary>
    private static Type? Element(Type type) =>
        type == typeof(string) ? null
        : type.IsArray ? type.GetElementType()
        : IsDictionary(type) ? type.GetGenericArguments()[1]
        : type.IsGenericType && typeof(IEnumerable).IsAssignableFrom(type) ? type.GetGenericArguments()[0]
        : null;
}
