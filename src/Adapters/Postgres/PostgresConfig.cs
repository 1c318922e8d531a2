using CausalEval.Dr.Core.Errors;

namespace CausalEval.Dr.Adapters.Postgres;

/// <summary>
/// Every value written into PostgreSQL's configuration goes through here, quoted by PostgreSQL's own rules, so a
/// value cannot end its setting early and start another (a host name holding a quote and a newline must never
/// become a second line such as a restore_command, which the server runs).
/// </summary>
public static class PostgresConfig
{
    /// <summary>
    /// A string as postgresql.conf reads it: in single quotes, a quote doubled, a backslash doubled (the file's
    /// scanner reads backslash escapes). Control characters (a newline above all) are refused: no setting needs one.
    /// </summary>
    public static string Quote(string value)
    {
        RefuseControlCharacters(value);
        return "'" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "''", StringComparison.Ordinal) + "'";
    }

    /// <summary>One line of postgresql.conf or postgresql.auto.conf: <c>name = 'value'</c>.</summary>
    public static string Line(string name, string value)
    {
        if (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.'))
        {
            throw new BadInputException($"'{name}' is not a PostgreSQL setting name");
        }

        return $"{name} = {Quote(value)}";
    }

    /// <summary>
    /// A libpq connection string (primary_conninfo, pg_basebackup -d) from keywords and values, each value in single
    /// quotes with a quote or backslash escaped by a backslash (libpq's rule): one value cannot add another keyword.
    /// </summary>
    public static string Conninfo(params (string Keyword, string Value)[] pairs) =>
        string.Join(' ', pairs.Select(p =>
        {
            RefuseControlCharacters(p.Value);
            return $"{p.Keyword}='{p.Value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal)}'";
        }));

    /// <summary>The value of a configuration line <c>name = 'value'</c> with PostgreSQL's quoting undone; null when it holds no quoted value.</summary>
    public static string? ValueOf(string line)
    {
        var start = line.IndexOf('\'');
        if (start < 0)
        {
            return null;
        }

        var value = new System.Text.StringBuilder();
        for (var i = start + 1; i < line.Length; i++)
        {
            if (line[i] == '\\' && i + 1 < line.Length)
            {
                value.Append(line[++i]);
            }
            else if (line[i] == '\'' && i + 1 < line.Length && line[i + 1] == '\'')
            {
                value.Append('\'');
                i++;
            }
            else if (line[i] == '\'')
            {
                return value.ToString();
            }
            else
            {
                value.Append(line[i]);
            }
        }

        return null;
    }

    /// <summary>A libpq connection string's keywords and values (values bare or in single quotes with backslash escapes).</summary>
    public static IReadOnlyDictionary<string, string> ParseConninfo(string conninfo)
    {
        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        var i = 0;
        while (true)
        {
            while (i < conninfo.Length && char.IsWhiteSpace(conninfo[i]))
            {
                i++;
            }

            var equals = conninfo.IndexOf('=', i);
            if (i >= conninfo.Length || equals < 0)
            {
                return pairs;
            }

            var keyword = conninfo[i..equals].Trim();
            i = equals + 1;
            while (i < conninfo.Length && char.IsWhiteSpace(conninfo[i]))
            {
                i++;
            }

            var value = new System.Text.StringBuilder();
            if (i < conninfo.Length && conninfo[i] == '\'')
            {
                for (i++; i < conninfo.Length && conninfo[i] != '\''; i++)
                {
                    value.Append(conninfo[i] == '\\' && i + 1 < conninfo.Length ? conninfo[++i] : conninfo[i]);
                }

                i++;
            }
            else
            {
                for (; i < conninfo.Length && !char.IsWhiteSpace(conninfo[i]); i++)
                {
                    value.Append(conninfo[i] == '\\' && i + 1 < conninfo.Length ? conninfo[++i] : conninfo[i]);
                }
            }

            pairs[keyword] = value.ToString();
        }
    }

    private static void RefuseControlCharacters(string value)
    {
        if (value.Any(char.IsControl))
        {
            throw new BadInputException($"a PostgreSQL setting's value may not hold control characters (a newline would start another setting): " +
                $"'{value.Replace("\n", "\\n", StringComparison.Ordinal)}'");
        }
    }
}
