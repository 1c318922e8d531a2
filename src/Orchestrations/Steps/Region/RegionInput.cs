namespace CausalEval.Dr.Orchestrations.Steps.Region;

/// <summary>A step that acts on one region (by its topology name).</summary>
public sealed record RegionInput(string Region);
