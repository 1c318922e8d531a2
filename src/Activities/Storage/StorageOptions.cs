namespace CausalEval.Dr.Activities.Storage;

/// <summary>
/// Where backups go. The connection string is a secret: it is read from configuration inside the
/// activity's process and never travels in orchestration inputs or outputs.
/// </summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    public string ConnectionString { get; set; } = "";

    public string Container { get; set; } = "dr-backups";
}
