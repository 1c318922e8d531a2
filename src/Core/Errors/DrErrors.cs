namespace CausalEval.Dr.Core.Errors;

/// <summary>
/// What went wrong, in the terms that decide what happens next: try again, or stop and tell the caller
/// why. Each kind maps once to a retry decision, a CLI exit code and an HTTP status (<see cref="ErrorKinds"/>).
/// </summary>
public enum ErrorKind
{
    /// <summary>Anything not classified below: a hiccup another attempt may fix (network, a busy server).</summary>
    Failed,

    /// <summary>A step ran past its timeout.</summary>
    TimedOut,

    /// <summary>The request itself is wrong (a parameter, an unknown backup id).</summary>
    BadInput,

    /// <summary>A setting is missing or wrong, or the environment lacks what the step needs.</summary>
    Configuration,

    /// <summary>Stored data does not match its checksum or format.</summary>
    CorruptData,

    /// <summary>A safety check refused to go on (it would lose data, or act twice).</summary>
    Refused,

    /// <summary>An approval gate was rejected, or timed out: a timeout is never an approval.</summary>
    NotApproved,
}

/// <summary>Base of the errors this project raises on purpose; the type says the kind.</summary>
public abstract class DrException(string message, Exception? inner = null) : Exception(message, inner)
{
    public ErrorKind Kind => ErrorKinds.Of(GetType());
}

public sealed class BadInputException(string message) : DrException(message);

public sealed class DrConfigurationException(string message, Exception? inner = null) : DrException(message, inner);

/// <summary>Stored bytes that are not what was written (checksums, formats, conflicting archive entries).</summary>
public class CorruptDataException(string message) : DrException(message);

public sealed class SafetyCheckRefusedException(string message) : DrException(message);

public sealed class NotApprovedException(string message) : DrException(message);

public sealed class StepTimedOutException(string message) : DrException(message);

/// <summary>A step failed for a reason another attempt might fix, and none did.</summary>
public sealed class StepFailedException(string message) : DrException(message);

/// <summary>The one table from error kinds to what callers see: retry or not, exit codes, HTTP statuses.</summary>
public static class ErrorKinds
{
    private static readonly (Type Type, ErrorKind Kind)[] ByType =
    [
        (typeof(BadInputException), ErrorKind.BadInput),
        (typeof(DrConfigurationException), ErrorKind.Configuration),
        (typeof(CorruptDataException), ErrorKind.CorruptData),
        (typeof(SafetyCheckRefusedException), ErrorKind.Refused),
        (typeof(NotApprovedException), ErrorKind.NotApproved),
        (typeof(StepTimedOutException), ErrorKind.TimedOut),
        // Framework types that say the same thing.
        (typeof(ArgumentException), ErrorKind.BadInput),
        (typeof(FileNotFoundException), ErrorKind.Configuration),
        (typeof(DirectoryNotFoundException), ErrorKind.Configuration),
        (typeof(InvalidDataException), ErrorKind.CorruptData),
        (typeof(TimeoutException), ErrorKind.TimedOut),
    ];

    private static readonly Dictionary<string, Type?> Resolved = new(StringComparer.Ordinal);

    public static ErrorKind Of(Exception exception) => Of(exception.GetType());

    public static ErrorKind Of(Type type) =>
        ByType.FirstOrDefault(t => t.Type.IsAssignableFrom(type)) is { Type: not null } match ? match.Kind : ErrorKind.Failed;

    /// <summary>
    /// The kind of a failure known only by its type name (a failure that crossed an activity or process
    /// boundary). Unknown names are <see cref="ErrorKind.Failed"/>. Deterministic: a pure lookup.
    /// </summary>
    public static ErrorKind Of(string? errorTypeName)
    {
        if (string.IsNullOrEmpty(errorTypeName))
        {
            return ErrorKind.Failed;
        }

        Type? type;
        lock (Resolved)
        {
            if (!Resolved.TryGetValue(errorTypeName, out type))
            {
                type = Type.GetType(errorTypeName, throwOnError: false)
                    ?? AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetType(errorTypeName, throwOnError: false)).FirstOrDefault(t => t is not null);
                Resolved[errorTypeName] = type;
            }
        }

        return type is null ? ErrorKind.Failed : Of(type);
    }

    /// <summary>Only a hiccup or a timeout is worth another attempt; everything else fails at once.</summary>
    public static bool IsRetryable(ErrorKind kind) => kind is ErrorKind.Failed or ErrorKind.TimedOut;

    /// <summary>What `dr` exits with when a run ends with this kind of error.</summary>
    public static int ExitCode(ErrorKind kind) => kind switch
    {
        ErrorKind.BadInput => 2,
        ErrorKind.Configuration => 3,
        ErrorKind.CorruptData => 5,
        ErrorKind.Refused => 6,
        ErrorKind.NotApproved => 7,
        _ => 1,
    };

    /// <summary>The HTTP status of a request refused for this kind of error (both hosts' starters).</summary>
    public static int HttpStatus(ErrorKind kind) => kind switch
    {
        ErrorKind.BadInput => 400,
        ErrorKind.NotApproved => 403,
        ErrorKind.Refused => 409,
        ErrorKind.CorruptData => 422,
        ErrorKind.TimedOut => 504,
        _ => 500,
    };

    /// <summary>"bad-input", "corrupt-data", ...: the name in JSON, run records and messages.</summary>
    public static string Name(ErrorKind kind) => KebabCase.Of(kind);

    /// <summary>A new exception of the given kind: keeps the kind of a failure that crossed a boundary.</summary>
    public static DrException Create(ErrorKind kind, string message) => kind switch
    {
        ErrorKind.BadInput => new BadInputException(message),
        ErrorKind.Configuration => new DrConfigurationException(message),
        ErrorKind.CorruptData => new CorruptDataException(message),
        ErrorKind.Refused => new SafetyCheckRefusedException(message),
        ErrorKind.NotApproved => new NotApprovedException(message),
        ErrorKind.TimedOut => new StepTimedOutException(message),
        _ => new StepFailedException(message),
    };
}
