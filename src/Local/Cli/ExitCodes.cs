using CausalEval.Dr.Core.Errors;

namespace CausalEval.Dr.Local.Cli;

/// <summary>
/// What `dr` exits with, so scripts can tell a failed recovery from a typo. A run that ended in an error
/// exits with its kind's code (<see cref="ErrorKinds.ExitCode"/>: 2 bad input, 3 configuration, 5 corrupt
/// data, 6 refused by a safety check, 7 not approved, 1 anything else).
/// </summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int BadRequest = 2;
    public const int Unavailable = 3;
    public const int TimedOut = 4;

    public static int Of(ErrorKind kind) => ErrorKinds.ExitCode(kind);

    /// <summary>
    /// Runs a command that works on the store or the lab directly; its errors end in one line naming the
    /// problem and the exit code of their kind (set DR_DEBUG=1 for the stack trace).
    /// </summary>
    public static async Task<int> Guard(Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Console.Error.WriteLine($"dr: {e.Message}");
            if (Environment.GetEnvironmentVariable("DR_DEBUG") is "1")
            {
                Console.Error.WriteLine(e);
            }

            return Of(ErrorKinds.Of(e));
        }
    }
}
