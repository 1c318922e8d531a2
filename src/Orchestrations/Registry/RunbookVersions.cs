using CausalEval.Dr.Core.Errors;

namespace CausalEval.Dr.Orchestrations.Registry;

/// <summary>
/// Orchestration versions: numbers as strings ("1", "2"). New instances start on a runbook's current version
/// (or the one <c>Runbooks:{Name}:StartVersion</c> pins, as Durable Functions' defaultVersion does); a running
/// instance keeps the version it started on across deployments, and the runbook branches on it. Instances
/// from before versioning carry "" and are version 1.
/// </summary>
public static class RunbookVersions
{
    public const string First = "1";

    public static string Normalize(string? version) => string.IsNullOrEmpty(version) ? First : version;

    public static int Number(string version) =>
        int.TryParse(version, out var n) && n >= 1 ? n : throw new BadInputException($"version '{version}' is not a version number (1, 2, ...)");

    /// <summary>Refuses a version newer than this deployment knows: it was started by newer code (a rollback).</summary>
    public static void EnsureKnown(string runbook, string version, string current)
    {
        if (!int.TryParse(version, out var n) || n < 1 || n > Number(current))
        {
            throw new DrConfigurationException($"{runbook} version {version} is not known to this deployment (it runs versions 1..{current}): the instance " +
                $"was started by other code");
        }
    }
}
