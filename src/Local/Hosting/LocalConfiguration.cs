using CausalEval.Dr.Core.Storage;
using CausalEval.Dr.Adapters.Azurite;
using CausalEval.Dr.Adapters.Files;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Errors;
using Microsoft.Extensions.Configuration;

namespace CausalEval.Dr.Local.Hosting;

/// <summary>
/// Where `dr` reads its settings, in order (later wins): embedded defaults, the running lab's settings (when
/// `dr lab up` wrote them for this state directory), the --settings / DR_SETTINGS file, DR_* environment.
/// </summary>
public static class LocalConfiguration
{
    public static IConfigurationBuilder AddDrSources(this IConfigurationBuilder configuration, string? settingsFile, StateDirectory? state)
    {
        configuration.AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: false);
        // Settings name the stores, the secrets and what a configuration backup reads: only files nobody else could write count.
        if (state is not null && File.Exists(state.LabSettingsFile))
        {
            configuration.AddJsonFile(TrustedPath.Checked(state.LabSettingsFile, "the lab's settings"), optional: true);
        }

        settingsFile ??= Environment.GetEnvironmentVariable("DR_SETTINGS");
        if (settingsFile is not null)
        {
            var full = Path.GetFullPath(settingsFile);
            configuration.AddJsonFile(File.Exists(full) ? TrustedPath.Checked(full, "the settings file") : full, optional: false);
        }

        return configuration.AddEnvironmentVariables("DR_");
    }

    public static IConfigurationRoot Build(string? settingsFile, StateDirectory? state = null) =>
        new ConfigurationBuilder().AddDrSources(settingsFile, state).Build();

    /// <summary>The "Storage" section, for commands that use the store without running the host.</summary>
    public static StorageOptions Storage(this IConfiguration configuration) =>
        configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();

    /// <summary>True when backups go to Azure Blob Storage without a connection string: to the Azurite `dr` runs.</summary>
    public static bool BackupsOnManagedAzurite(this IConfiguration configuration) =>
        string.Equals(configuration.Storage().Kind, "azure-blob", StringComparison.OrdinalIgnoreCase)
        && string.IsNullOrWhiteSpace(configuration["Storage:ConnectionString"]);

    /// <summary>
    /// The configured backup store, for commands that read it directly (list, verify, restore, runs: they
    /// must work with every host lost). Unconfigured Azure Blob Storage means the Azurite `dr` started for
    /// this state directory; it is not started here (`dr run` and `dr serve` do).
    /// </summary>
    public static IObjectStore OpenStore(this IConfiguration configuration, StateDirectory state)
    {
        var options = configuration.Storage();
        if (configuration.BackupsOnManagedAzurite())
        {
            options.ConnectionString = new ManagedAzurite(state.AzuriteDirectory).Running()?.ConnectionString
                ?? throw new DrConfigurationException($"Storage:ConnectionString is not set and no Azurite runs for {state.Path} (`dr run` and `dr serve` " +
                    $"start one)");
        }

        return options.CreateStore();
    }
}
