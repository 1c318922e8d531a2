using System.Text.RegularExpressions;

namespace CausalEval.Dr.Core.Alerts;

/// <summary>
/// One label matcher, written as Alertmanager's: <c>name=value</c>, <c>name!=value</c>, <c>name=~regex</c>, <c>name!~regex</c>
/// (the regex anchored at both ends). A label an alert lacks matches as the empty string.
/// </summary>
public sealed record LabelMatcher(string Name, string Operator, string Value, string? Problem = null)
{
    private static readonly TimeSpan RegexLimit = TimeSpan.FromMilliseconds(100);

    public static LabelMatcher Parse(string text)
    {
        var match = Regex.Match(text, "^\\s*([a-zA-Z_][a-zA-Z0-9_]*)\\s*(=~|!~|!=|=)\\s*\"?(.*?)\"?\\s*$", RegexOptions.None, RegexLimit);
        if (!match.Success)
        {
            return new LabelMatcher("", "", "", $"'{text}' is not a matcher (name=value, name!=value, name=~regex or name!~regex)");
        }

        var matcher = new LabelMatcher(match.Groups[1].Value, match.Groups[2].Value, match.Groups[3].Value);
        if (matcher.Operator is "=~" or "!~")
        {
            try
            {
                _ = new Regex(matcher.Value, RegexOptions.None, RegexLimit);
            }
            catch (ArgumentException e)
            {
                return matcher with { Problem = $"'{text}': the regex does not parse ({e.Message})" };
            }
        }

        return matcher;
    }

    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        var value = labels.GetValueOrDefault(Name) ?? "";
        return Operator switch
        {
            "=" => value == Value,
            "!=" => value != Value,
            "=~" => Regex.IsMatch(value, $"^(?:{Value})$", RegexOptions.None, RegexLimit),
            "!~" => !Regex.IsMatch(value, $"^(?:{Value})$", RegexOptions.None, RegexLimit),
            _ => false,
        };
    }

    public override string ToString() => $"{Name}{Operator}\"{Value}\"";

    public static bool All(IEnumerable<LabelMatcher> matchers, IReadOnlyDictionary<string, string> labels) => matchers.All(m => m.Matches(labels));
}
