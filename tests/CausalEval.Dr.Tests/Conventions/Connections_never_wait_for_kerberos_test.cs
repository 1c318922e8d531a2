using System.Text.RegularExpressions;
using CausalEval.Dr.Adapters.Postgres;
using CausalEval.Dr.Tests.Fixtures;
using Npgsql;

namespace CausalEval.Dr.Tests.Conventions;

/// <summary>
/// Npgsql's default GSS encryption mode (prefer) asks Kerberos for credentials before each new connection's startup
/// packet; on a host without a Kerberos set-up that held connected sockets silent for 5 s now and then (workloads'
/// warm-ups timed out, a stand-down waited for such a connection: docs/benchmarks.md). Every connection string we build
/// turns it off.
/// </summary>
public sealed class Connections_never_wait_for_kerberos_test
{
    [Fact]
    public void The_shared_connection_string_turns_gss_encryption_off()
    {
        var built = new NpgsqlConnectionStringBuilder(DatabaseOptions.ConnectionString("127.0.0.1", 5432, "postgres", "secret"));

        Assert.Equal(GssEncryptionMode.Disable, built.GssEncryptionMode);
    }

    [Fact]
    public void Every_connection_string_builder_in_the_code_sets_the_gss_encryption_mode()
    {
        var builders = Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(file => !Path.GetRelativePath(RepoPaths.Root, file).Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"))
            .SelectMany(file => Regex.Matches(File.ReadAllText(file), @"new (?:Npgsql\.)?NpgsqlConnectionStringBuilder\s*\{[^}]*\}")
                .Select(m => (File: Path.GetRelativePath(RepoPaths.Root, file), Text: m.Value)))
            .ToList();

        Assert.NotEmpty(builders);
        var without = builders.Where(b => !b.Text.Contains("GssEncryptionMode = ", StringComparison.Ordinal)).Select(b => b.File).ToList();
        Assert.True(without.Count == 0, $"connection strings that leave Npgsql's GSS probe on: {string.Join(", ", without)}");
    }
}
