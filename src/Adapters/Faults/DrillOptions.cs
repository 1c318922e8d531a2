using CausalEval.Dr.Adapters.Faults.ChaosStudio;

namespace CausalEval.Dr.Adapters.Faults;

/// <summary>`Drills`: how the DR drills inject their faults.</summary>
public sealed class DrillOptions
{
    public const string Section = "Drills";

    /// <summary>
    /// How faults are injected: <c>lab</c> (the lab's processes killed and revived), <c>hosts</c> (the node agents stop
    /// PostgreSQL, the compute provider the services), <c>chaos-studio</c> (Azure Chaos Studio experiments). Empty: the
    /// lab when the host runs one, else hosts.
    /// </summary>
    public string Injector { get; set; } = "";

    /// <summary>Region loss by Azure Chaos Studio experiments (the Azure deployment's injection).</summary>
    public ChaosStudioOptions ChaosStudio { get; set; } = new();
}
