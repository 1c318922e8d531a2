using System.Text.Json;
using System.Text.Json.Serialization;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Retention;

namespace CausalEval.Dr.Core.Backups;

/// <summary>
/// What a backup protects: the one vocabulary of kinds. <see cref="Name"/> is how the catalog, run records,
/// the CLI and JSON name it; <see cref="SettingName"/> is its key in settings (<c>Retention:{SettingName}:KeepCount</c>);
/// <see cref="SeedRetention"/> is the seed's "Backup Automation" retention for it.
/// </summary>
[JsonConverter(typeof(BackupKindJsonConverter))]
public sealed record BackupKind
{
    public static readonly BackupKind Database = new("database", "Database", RetentionPolicy.Age(TimeSpan.FromDays(30)), cataloged: true);
    public static readonly BackupKind Configuration = new("configuration", "Configuration", RetentionPolicy.Count(14), cataloged: true);
    public static readonly BackupKind ApplicationState = new("application-state", "ApplicationState", RetentionPolicy.Count(3), cataloged: true);
    public static readonly BackupKind Metrics = new("metrics", "Metrics", RetentionPolicy.Count(90), cataloged: true);
    public static readonly BackupKind Logs = new("logs", "Logs", RetentionPolicy.Count(365), cataloged: true);

    /// <summary>The framework's file storage, every 15 minutes (seed: incremental, RPO 15 min): points kept 7 days, the first of each day 30.</summary>
    public static readonly BackupKind FileStorage = new("file-storage", "FileStorage", RetentionPolicy.Age(TimeSpan.FromDays(7)), cataloged: false);

    /// <summary>Continuous WAL archiving (the seed's 15-minute "incremental"); its retention is the PITR window.</summary>
    public static readonly BackupKind Wal = new("wal", "Wal", RetentionPolicy.Age(TimeSpan.FromDays(7)), cataloged: false);

    private BackupKind(string name, string settingName, RetentionPolicy seedRetention, bool cataloged)
    {
        Name = name;
        SettingName = settingName;
        SeedRetention = seedRetention;
        Cataloged = cataloged;
    }

    public string Name { get; }

    public string SettingName { get; }

    public RetentionPolicy SeedRetention { get; }

    /// <summary>Backups of this kind are listed by id in the catalog (<c>{kind}/{id}/manifest.json</c>); WAL is not.</summary>
    public bool Cataloged { get; }

    public static IReadOnlyList<BackupKind> All { get; } = [Database, Configuration, ApplicationState, Metrics, Logs, Wal, FileStorage];

    public static IReadOnlyList<BackupKind> InCatalog { get; } = All.Where(k => k.Cataloged).ToList();

    public static bool TryParse(string? name, out BackupKind kind)
    {
        kind = All.FirstOrDefault(k => string.Equals(k.Name, name, StringComparison.OrdinalIgnoreCase))!;
        return kind is not null;
    }

    public static BackupKind Parse(string? name) =>
        TryParse(name, out var kind) ? kind
            : throw new BadInputException($"'{name}' is not a backup kind (known: {string.Join(", ", All.Select(k => k.Name))})");

    public bool Equals(BackupKind? other) => other is not null && other.Name == Name;

    public override int GetHashCode() => Name.GetHashCode(StringComparison.Ordinal);

    public override string ToString() => Name;
}

/// <summary>A kind is its name in JSON: <c>"database"</c>.</summary>
public sealed class BackupKindJsonConverter : JsonConverter<BackupKind>
{
    public override BackupKind Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var name = reader.GetString();
        return BackupKind.TryParse(name, out var kind) ? kind
            : throw new JsonException($"'{name}' is not a backup kind (known: {string.Join(", ", BackupKind.All.Select(k => k.Name))})");
    }

    public override void Write(Utf8JsonWriter writer, BackupKind value, JsonSerializerOptions options) => writer.WriteStringValue(value.Name);
}
