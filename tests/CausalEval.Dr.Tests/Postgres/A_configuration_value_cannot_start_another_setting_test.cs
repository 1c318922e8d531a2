using CausalEval.Dr.Adapters.Postgres;
using CausalEval.Dr.Adapters.Processes;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.Postgres;

/// <summary>
/// Every value the agent writes into PostgreSQL's configuration is quoted by PostgreSQL's rules: a quote, a backslash
/// or a conninfo keyword inside a value stays inside it, as PostgreSQL itself reads the file back (postgres -C), and a
/// control character (a newline would start another setting, such as a restore_command the server runs) is refused.
/// </summary>
public sealed class A_configuration_value_cannot_start_another_setting_test
{
    [Theory]
    [InlineData("plain", "'plain'")]
    [InlineData("it's", "'it''s'")]
    [InlineData(@"C:\dir", @"'C:\\dir'")]
    public void Quotes_and_backslashes_stay_inside_the_value(string value, string quoted) => Assert.Equal(quoted, PostgresConfig.Quote(value));

    [Theory]
    [InlineData("127.0.1.1'\nrestore_command = 'touch /tmp/owned")]
    [InlineData("a\rb")]
    [InlineData("tab\there")]
    public void A_control_character_is_refused(string value) =>
        Assert.Contains("may not hold control characters", Assert.Throws<BadInputException>(() => PostgresConfig.Quote(value)).Message);

    [Fact]
    public async Task PostgreSQL_reads_back_exactly_the_value_written_and_no_extra_keyword()
    {
        await using var cluster = await PostgresCluster.StartAsync("config-quoting");
        var host = "db.example' password='stolen"; // a value that would add a keyword to a naive connection string
        var conninfo = PostgresConfig.Conninfo(("host", host), ("port", "5432"), ("application_name", @"a\b"));
        await File.AppendAllTextAsync(Path.Combine(cluster.DataDirectory, "postgresql.auto.conf"),
            PostgresConfig.Line("primary_conninfo", conninfo) + "\n" + PostgresConfig.Line("cluster_name", "it's") + "\n");

        var read = await ProcessRunner.RunAsync("/usr/lib/postgresql/15/bin/postgres", ["-D", cluster.DataDirectory, "-C", "primary_conninfo"], PgCtl.RunAs);

        Assert.Equal(conninfo, read.TrimEnd('\n'));
        var pairs = PostgresConfig.ParseConninfo(read.TrimEnd('\n'));
        Assert.Equal((host, "5432", @"a\b"), (pairs["host"], pairs["port"], pairs["application_name"]));
        Assert.False(pairs.ContainsKey("password"));
        Assert.Equal("it's",
            (await ProcessRunner.RunAsync("/usr/lib/postgresql/15/bin/postgres", ["-D", cluster.DataDirectory, "-C", "cluster_name"],
            PgCtl.RunAs)).TrimEnd('\n'));
    }
}
