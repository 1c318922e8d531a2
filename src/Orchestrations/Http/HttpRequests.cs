using CausalEval.Dr.Core.Requests;
using Microsoft.AspNetCore.Http;

namespace CausalEval.Dr.Orchestrations.Http;

/// <summary>What every write route of the operator API does first: read the body within its limit, and learn who signed in.</summary>
public static class HttpRequests
{
    /// <summary>The body as text, at most <see cref="RequestLimits.MaxBodyBytes"/> (413 beyond: nothing more is read).</summary>
    public static async Task<(string? Body, IResult? Problem)> ReadBodyAsync(HttpRequest request)
    {
        if (request.ContentLength > RequestLimits.MaxBodyBytes)
        {
            return (null, TooLarge());
        }

        var buffer = new MemoryStream();
        var chunk = new byte[16384];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
        {
            if (buffer.Length + read > RequestLimits.MaxBodyBytes)
            {
                return (null, TooLarge());
            }

            buffer.Write(chunk, 0, read);
        }

        return (System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length), null);

        static IResult TooLarge() => ApiResults.Error(StatusCodes.Status413PayloadTooLarge, $"the body is larger than {RequestLimits.MaxBodyBytes} bytes");
    }

    /// <summary>
    /// Where the host authenticates people (App Service authentication), who signed in; a problem (401) when it should
    /// know and does not. Null <paramref name="name"/> where callers present a shared secret only (a token, a function key).
    /// </summary>
    public static IResult? SignedIn(ICallerIdentity caller, HttpRequest request, out string? name)
    {
        name = null;
        if (!caller.Authenticates)
        {
            return null;
        }

        name = caller.NameOf(request);
        return string.IsNullOrWhiteSpace(name)
            ? ApiResults.Error(StatusCodes.Status401Unauthorized, "this host authenticates its callers, and this request names nobody who signed in")
            : null;
    }

    /// <summary>
    /// Who a request says acts (<paramref name="named"/>), checked against who signed in where the host knows: a 403 when they
    /// differ; <paramref name="actor"/> is then the signed-in caller (else whom the request names). <paramref name="what"/> names
    /// what is recorded ("a decision", "a silence").
    /// </summary>
    public static IResult? Actor(ICallerIdentity caller, HttpRequest request, string? named, string what, out string? actor)
    {
        actor = named;
        if (SignedIn(caller, request, out var signedIn) is { } unauthenticated)
        {
            return unauthenticated;
        }

        if (signedIn is null)
        {
            return null;
        }

        if (named is { Length: > 0 } && !string.Equals(named, signedIn, StringComparison.OrdinalIgnoreCase))
        {
            return ApiResults.Error(StatusCodes.Status403Forbidden,
                $"by: '{named}' is not who signed in ('{signedIn}'): {what} is recorded as the authenticated caller's");
        }

        actor = signedIn;
        return null;
    }
}
