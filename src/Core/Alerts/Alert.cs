using System.Security.Cryptography;
using System.Text;

namespace CausalEval.Dr.Core.Alerts;

/// <summary>
/// One alert as a rule raises it: its labels say which alert it is (alertname, severity, runbook, region, backup kind …)
/// and give its fingerprint; its annotations say what is wrong and what to do (summary, the seed's action, links).
/// </summary>
public sealed record Alert(SortedDictionary<string, string> Labels, SortedDictionary<string, string> Annotations)
{
    public const string NameLabel = "alertname";
    public const string SeverityLabel = "severity";

    public string Name => Labels[NameLabel];

    public string Fingerprint => AlertFingerprint.Of(Labels);

    public static Alert Of(string name, string severity, IEnumerable<KeyValuePair<string, string>> labels, string summary, string action,
        IEnumerable<KeyValuePair<string, string>>? annotations = null)
    {
        var all = new SortedDictionary<string, string>(StringComparer.Ordinal) { [NameLabel] = name, [SeverityLabel] = severity };
        foreach (var (key, value) in labels)
        {
            all[key] = value;
        }

        var notes = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["summary"] = summary, ["action"] = action };
        foreach (var (key, value) in annotations ?? [])
        {
            notes[key] = value;
        }

        return new Alert(all, notes);
    }
}

/// <summary>
/// An alert's identity: the first 16 hex digits of SHA-256 over its labels sorted by name. The same labels give the same
/// fingerprint on every host and after every restart, so a resolve finds its firing (and PagerDuty's dedup_key is it).
/// </summary>
public static class AlertFingerprint
{
    public static string Of(IReadOnlyDictionary<string, string> labels)
    {
        var text = new StringBuilder();
        foreach (var (key, value) in labels.OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            text.Append(key).Append('\u0000').Append(value).Append('\u0000');
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
    }
}
