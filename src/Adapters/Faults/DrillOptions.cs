using CausalEval.Dr.Adapters.Faults.ChaosStudio;

namespace CausalEval.Dr.Adapters.Faults;

/// <summary>`Drills`: how the DR drills inject their faults.</summary>
public sealed class DrillOptions
{
    public const string Section = "Drills";

    /// <summary>Region loss by Azure Chaos Studio experiments (the Azure deployment's injection).</summary>
    public ChaosStudioOptions ChaosStudio { get; set; } = new();
}
