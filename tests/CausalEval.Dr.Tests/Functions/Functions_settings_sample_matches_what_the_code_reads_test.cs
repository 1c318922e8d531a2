using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CausalEval.Dr.Adapters.Files;
using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.Functions;

/// <summary>
/// local.settings.sample.json documents the Functions app's settings, both ways, by top-level section: every section
/// the code reads (options sections, keys read by name — found in the sources — and host.json's %settings%) has
/// entries in the sample, and every entry of the sample is read by the code or the Functions platform.
/// </summary>
public sealed partial class Functions_settings_sample_matches_what_the_code_reads_test
{
    /// <summary>Read only by the local runtime (`dr serve`) or the node agent on a database host, never by the Functions app.</summary>
    private static readonly string[] LocalOnly = ["Runtime", "Agent"];

    /// <summary>Set by App Service itself (never by an operator), read by our code.</summary>
    private static readonly string[] SetByPlatform = ["WEBSITE_AUTH_ENABLED"];

    /// <summary>Read by the Functions host itself, not by our code.</summary>
    private static readonly string[] Platform = ["AzureWebJobsStorage", "FUNCTIONS_WORKER_RUNTIME"];

    [Fact]
    public void Every_section_the_code_reads_is_in_the_sample_and_nothing_else_is()
    {
        var sources = Directory.GetFiles(Path.Combine(RepoPaths.Root, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(File.ReadAllText).ToList();
        var code = new HashSet<string>(StringComparer.Ordinal);
        foreach (var text in sources)
        {
            code.UnionWith(SectionConstant().Matches(text).Select(m => m.Groups[1].Value));
            code.UnionWith(SettingPath().Matches(text).Select(m => m.Groups[1].Value));
            code.UnionWith(KeyByName().Matches(text).Select(m => m.Groups[1].Value));
        }

        code.UnionWith(FileSets.Sections.Values);
        code.UnionWith(HostSetting().Matches(File.ReadAllText(Path.Combine(RepoPaths.Root, "host.json"))).Select(m => m.Groups[1].Value));
        Assert.Contains("Topology", code); // the scan finds what it must
        Assert.Contains("Secrets", code);

        var sample = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "local.settings.sample.json")))!["Values"]!.AsObject()
            .Select(kv => kv.Key.Split([":", "__"], StringSplitOptions.None)[0]).ToHashSet(StringComparer.Ordinal);

        var undocumented = code.Except(LocalOnly).Except(SetByPlatform).Except(sample).Order().ToList();
        var unknown = sample.Except(Platform).Except(code).Order().ToList();
        Assert.True(undocumented.Count == 0, $"read by the code, missing from local.settings.sample.json: {string.Join(", ", undocumented)}");
        Assert.True(unknown.Count == 0, $"in local.settings.sample.json, read by nothing: {string.Join(", ", unknown)}");
    }

    [GeneratedRegex(@"const string Section = ""([A-Za-z]+)""")]
    private static partial Regex SectionConstant();

    /// <summary>A setting path in a string: "Retention:RunRecords:KeepDays", $"Secrets:{name}".</summary>
    [GeneratedRegex(@"\$?""([A-Z][A-Za-z]+):[A-Za-z{]")]
    private static partial Regex SettingPath();

    /// <summary>A top-level key read by name: configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"].</summary>
    [GeneratedRegex(@"configuration\[""([A-Za-z_]+)""\]")]
    private static partial Regex KeyByName();

    [GeneratedRegex(@"%([A-Za-z_]+)%")]
    private static partial Regex HostSetting();
}
