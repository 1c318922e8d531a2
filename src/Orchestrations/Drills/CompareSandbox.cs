using CausalEval.Dr.Adapters.Postgres;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CausalEval.Dr.Orchestrations.Drills;

/// <param name="Expected">The marker rows committed before the target: exactly these must be in the sandbox.</param>
public sealed record CompareSandboxInput(string Drill, string Host, int Port, IReadOnlyList<int> Expected, string Target);

public sealed record SandboxCompared(int Rows, string? LastCommit);

/// <summary>
/// The restored sandbox against the truth: this drill's marker rows in it are exactly those committed before the target
/// (any row missing or extra is named, and fails the step as corrupt data). Reads only.
/// </summary>
public sealed class CompareSandbox(IOptions<DatabaseOptions> database) : DrActivity<CompareSandbox, CompareSandboxInput, SandboxCompared>
{
    public override async Task<SandboxCompared> RunAsync(TaskActivityContext context, CompareSandboxInput input)
    {
        var options = database.Value;
        await using var connection = new NpgsqlConnection(DatabaseOptions.ConnectionString(input.Host, input.Port, options.User, options.Password));
        await connection.OpenAsync();
        var found = new List<int>();
        await using (var rows = new NpgsqlCommand($"SELECT seq FROM {WriteDrillMarkers.Table} WHERE drill = $1 ORDER BY seq", connection)
                     {
                         Parameters = { new() { Value = input.Drill } },
                     })
        await using (var reader = await rows.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                found.Add(reader.GetInt32(0));
            }
        }

        var missing = input.Expected.Except(found).Order().ToList();
        var extra = found.Except(input.Expected).Order().ToList();
        if (missing.Count > 0 || extra.Count > 0)
        {
            throw new CorruptDataException($"the sandbox restored to {input.Target} differs from the truth: " +
                (missing.Count > 0 ? $"missing marker rows [{string.Join(", ", missing)}] " : "") +
                (extra.Count > 0 ? $"marker rows that were not committed before the target [{string.Join(", ", extra)}]" : "").TrimEnd());
        }

        return new SandboxCompared(found.Count, found.Count == 0 ? null : $"marker {found[^1]}");
    }
}
