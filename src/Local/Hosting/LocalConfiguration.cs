using CausalEval.Dr.Adapters.Storage;
using Microsoft.Extensions.Configuration;

namespace CausalEval.Dr.Local.Hosting;

/// <summary>Where `dr` reads its settings, in order: embedded defaults, --settings / DR_SETTINGS file, DR_* environment.</summary>
public static class LocalConfiguration
{
    public static IConfigurationBuilder AddDrSources(this IConfigurationBuilder configuration, string? settingsFile)
    {
        configuration.AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: false);
        settingsFile ??= Environment.GetEnvironmentVariable("DR_SETTINGS");
        if (settingsFile is not null)
        {
            configuration.AddJsonFile(Path.GetFullPath(settingsFile), optional: false);
        }

        return configuration.AddEnvironmentVariables("DR_");
    }

    public static IConfigurationRoot Build(string? settingsFile) => new ConfigurationBuilder().AddDrSources(settingsFile).Build();

    /// <summary>The "Storage" section, for commands that use the store without running the host.</summary>
    public static StorageOptions Storage(this IConfiguration configuration) =>
        configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
}
