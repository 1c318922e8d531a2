namespace CausalEval.Dr.Adapters.Processes;

/// <summary>
/// What a child process inherits: never our settings given as DR_* variables (DR_Secrets__…, a store's connection
/// string, a token). A server inherits its parent's environment for its whole life, and every process of it (each
/// PostgreSQL backend) shows it to its user in /proc/PID/environ; a `dr` child reads its settings from files. Plain
/// DR_ switches without a section (DR_STATE_DIR, DR_PG_BIN, DR_NODE_MODULES) say where things are, and stay.
/// </summary>
public static class ChildEnvironment
{
    public static void Clean(IDictionary<string, string?> environment)
    {
        foreach (var name in environment.Keys.Where(IsSetting).ToList())
        {
            environment.Remove(name);
        }
    }

    /// <summary>A configuration value given through the environment: DR_{Section}__{Key}, or the settings file's name.</summary>
    public static bool IsSetting(string name) =>
        name.StartsWith("DR_", StringComparison.OrdinalIgnoreCase)
            && (name.Contains("__", StringComparison.Ordinal) || name.Equals("DR_SETTINGS", StringComparison.OrdinalIgnoreCase));
}
