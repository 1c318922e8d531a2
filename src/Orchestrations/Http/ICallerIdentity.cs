using Microsoft.AspNetCore.Http;

namespace CausalEval.Dr.Orchestrations.Http;

/// <summary>
/// Who sent a request, where the host authenticates people and not only a shared secret: then an approval is the
/// authenticated caller's, and naming someone else as the approver is refused.
/// </summary>
public interface ICallerIdentity
{
    /// <summary>False where callers present a shared secret only (`dr serve`'s bearer token, a function key).</summary>
    bool Authenticates { get; }

    /// <summary>The authenticated caller's name; null or empty when the request names nobody.</summary>
    string? NameOf(HttpRequest request);
}

/// <summary>A host whose callers present a shared secret (the local API's token): anyone holding it names who decides.</summary>
public sealed class SharedSecretCallers : ICallerIdentity
{
    public bool Authenticates => false;

    public string? NameOf(HttpRequest request) => null;
}
