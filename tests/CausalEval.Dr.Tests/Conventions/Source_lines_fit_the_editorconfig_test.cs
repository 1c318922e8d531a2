using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.Conventions;

/// <summary>The .editorconfig's line length holds for every C# file of the repository, tests included.</summary>
public sealed class Source_lines_fit_the_editorconfig_test
{
    private const int MaxLineLength = 160;

    [Fact]
    public void No_source_line_is_longer_than_the_editorconfig_allows()
    {
        Assert.Contains($"max_line_length = {MaxLineLength}", File.ReadAllText(Path.Combine(RepoPaths.Root, ".editorconfig")));
        var tooLong = new[] { "src", "tests" }
            .SelectMany(folder => Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, folder), "*.cs", SearchOption.AllDirectories))
            .Where(file => !Path.GetRelativePath(RepoPaths.Root, file).Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"))
            .SelectMany(file => File.ReadLines(file).Select((line, i) => (File: Path.GetRelativePath(RepoPaths.Root, file), Line: i + 1, line.Length)))
            .Where(l => l.Length > MaxLineLength)
            .Select(l => $"{l.File}:{l.Line} ({l.Length})")
            .ToList();
        Assert.True(tooLong.Count == 0, $"lines over {MaxLineLength} characters:\n{string.Join("\n", tooLong)}");
    }
}
