using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CausalEval.Dr.Generators;

/// <param name="Orchestrator">The type as the row names it in <c>typeof(...)</c>, e.g. <c>Recovery.RecoverDatabase</c>.</param>
/// <param name="Schedule">The name of its default schedule (<c>Schedule = new("DatabaseFullBackup", ...)</c>), if it has one.</param>
internal sealed record RegistryRow(string Orchestrator, string? Schedule);

/// <summary>
/// The rows of <c>RunbookRegistry.All</c>, read from its source: a generator sees another project's types but not its
/// values, so the registry file is given to the Functions build as an additional file and parsed here.
/// </summary>
internal static class RegistryRows
{
    public static IReadOnlyList<RegistryRow> Parse(string source)
    {
        var root = CSharpSyntaxTree.ParseText(source).GetRoot();
        var all = root.DescendantNodes().OfType<PropertyDeclarationSyntax>().FirstOrDefault(p => p.Identifier.Text == "All");
        if (all?.Initializer is null)
        {
            return [];
        }

        var rows = new List<RegistryRow>();
        foreach (var creation in all.Initializer.Value.DescendantNodes().OfType<BaseObjectCreationExpressionSyntax>())
        {
            if (creation.ArgumentList?.Arguments.FirstOrDefault()?.Expression is not TypeOfExpressionSyntax typeOf)
            {
                continue;
            }

            var schedule = creation.Initializer?.Expressions.OfType<AssignmentExpressionSyntax>()
                .Where(a => a.Left is IdentifierNameSyntax { Identifier.Text: "Schedule" })
                .Select(a => a.Right)
                .OfType<BaseObjectCreationExpressionSyntax>()
                .Select(s => s.ArgumentList?.Arguments.FirstOrDefault()?.Expression)
                .OfType<LiteralExpressionSyntax>()
                .Select(l => l.Token.ValueText)
                .FirstOrDefault();
            rows.Add(new RegistryRow(typeOf.Type.ToString(), schedule));
        }

        return rows;
    }
}
