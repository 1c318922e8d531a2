using CausalEval.Dr.Orchestrations.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;

namespace CausalEval.Dr.Functions.Http;

/// <summary>
/// App Service authentication (Easy Auth): when it is on (<c>WEBSITE_AUTH_ENABLED</c>, set by the platform), the
/// front end signs people in and passes who they are in <c>X-MS-CLIENT-PRINCIPAL-NAME</c>, removing any such header
/// a client sent; an approval is then the principal's. When it is off the header proves nothing and is never read.
/// Function keys decide which routes a key may call (a key of the read functions only lists and reads).
/// </summary>
public sealed class AppServiceCallers(IConfiguration configuration) : ICallerIdentity
{
    public const string PrincipalHeader = "X-MS-CLIENT-PRINCIPAL-NAME";

    public bool Authenticates => string.Equals(configuration["WEBSITE_AUTH_ENABLED"], "true", StringComparison.OrdinalIgnoreCase);

    public string? NameOf(HttpRequest request) => Authenticates ? request.Headers[PrincipalHeader].ToString() : null;
}
