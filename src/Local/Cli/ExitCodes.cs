namespace CausalEval.Dr.Local.Cli;

/// <summary>What `dr` exits with, so scripts can tell a failed recovery from a typo.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int OrchestrationFailed = 1;
    public const int BadRequest = 2;
    public const int Unavailable = 3;
    public const int TimedOut = 4;
}
