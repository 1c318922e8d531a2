using System.Globalization;
using CausalEval.Dr.Core.Errors;

namespace CausalEval.Dr.Core.Recovery;

public enum RecoveryTargetKind
{
    /// <summary>Replay every archived commit (the end of the archive).</summary>
    Latest,

    /// <summary>Stop before the first commit after <see cref="RecoveryTarget.Time"/>.</summary>
    Time,

    /// <summary>Stop at a WAL position.</summary>
    Lsn,

    /// <summary>Stop as soon as the backup is consistent (a full restore).</summary>
    Immediate,
}

/// <summary>
/// Where a recovery stops, as `dr pitr --target` writes it: an ISO 8601 time with its offset
/// (<c>2026-12-01T10:15:00Z</c>), <c>lsn:0/3000148</c>, <c>latest</c>, or <c>immediate</c>.
/// </summary>
public sealed record RecoveryTarget(RecoveryTargetKind Kind, DateTimeOffset? Time = null, string? Lsn = null)
{
    public static RecoveryTarget Latest { get; } = new(RecoveryTargetKind.Latest);

    public static RecoveryTarget Immediate { get; } = new(RecoveryTargetKind.Immediate);

    public static RecoveryTarget Parse(string? text)
    {
        var value = text?.Trim() ?? "";
        if (value.Equals("latest", StringComparison.OrdinalIgnoreCase))
        {
            return Latest;
        }

        if (value.Equals("immediate", StringComparison.OrdinalIgnoreCase))
        {
            return Immediate;
        }

        if (value.StartsWith("lsn:", StringComparison.OrdinalIgnoreCase))
        {
            var lsn = value[4..].ToUpperInvariant();
            _ = Nodes.Lsn.Bytes(lsn); // names the problem when it is not one
            return new(RecoveryTargetKind.Lsn, Lsn: lsn);
        }

        // An offset is required: a time without one means a different moment on every host.
        if (DateTimeOffset.TryParseExact(value,
            ["yyyy-MM-ddTHH:mm:ssK", "yyyy-MM-ddTHH:mm:ss.FFFFFFFK", "yyyy-MM-dd HH:mm:ssK", "yyyy-MM-dd HH:mm:ss.FFFFFFFK"],
                CultureInfo.InvariantCulture, DateTimeStyles.None, out var time) && (value.EndsWith('Z') || value.Contains('+') || value.LastIndexOf('-') > 9))
        {
            return new(RecoveryTargetKind.Time, Time: time.ToUniversalTime());
        }

        throw new BadInputException($"target '{text}' is not a recovery target: use an ISO time with its offset (2026-12-01T10:15:00Z), lsn:X/Y, latest or " +
            $"immediate");
    }

    /// <summary>The recovery settings PostgreSQL reads (postgresql.auto.conf), with recovery.signal beside them.</summary>
    public IReadOnlyDictionary<string, string> PostgresSettings()
    {
        var settings = new Dictionary<string, string> { ["recovery_target_timeline"] = "latest" };
        switch (Kind)
        {
            case RecoveryTargetKind.Time:
                settings["recovery_target_time"] = Time!.Value.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture) + "+00";
                settings["recovery_target_inclusive"] = "false"; // exactly what committed before the target
                settings["recovery_target_action"] = "promote";
                break;
            case RecoveryTargetKind.Lsn:
                settings["recovery_target_lsn"] = Lsn!;
                settings["recovery_target_action"] = "promote";
                break;
            case RecoveryTargetKind.Immediate:
                settings["recovery_target"] = "immediate";
                settings["recovery_target_action"] = "promote";
                break;
        }

        return settings;
    }

    public override string ToString() => Kind switch
    {
        RecoveryTargetKind.Time => Time!.Value.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.FFFFFFFZ", CultureInfo.InvariantCulture),
        RecoveryTargetKind.Lsn => $"lsn:{Lsn}",
        RecoveryTargetKind.Immediate => "immediate",
        _ => "latest",
    };
}
