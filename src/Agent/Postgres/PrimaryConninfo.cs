using System.Text.RegularExpressions;

namespace CausalEval.Dr.Agent.Postgres;

/// <summary>Where a data directory's standby streams from, as its postgresql.auto.conf says (the last primary_conninfo line wins).</summary>
public static partial class PrimaryConninfo
{
    /// <summary>The primary_conninfo line in force, if any.</summary>
    public static string? LineOf(string dataDirectory)
    {
        var autoConf = Path.Combine(dataDirectory, "postgresql.auto.conf");
        return File.Exists(autoConf) ? File.ReadLines(autoConf).LastOrDefault(l => Setting().IsMatch(l)) : null;
    }

    /// <summary>The name a standby streams under (synchronous_standby_names may list it): kept when it re-joins or is rebuilt.</summary>
    public static string? ApplicationNameOf(string dataDirectory) =>
        LineOf(dataDirectory) is { } line && Adapters.Postgres.PostgresConfig.ValueOf(line) is { } conninfo
        && Adapters.Postgres.PostgresConfig.ParseConninfo(conninfo).TryGetValue("application_name", out var name) && name.Length > 0 ? name : null;

    [GeneratedRegex(@"^\s*primary_conninfo\s*=")]
    private static partial Regex Setting();
}
