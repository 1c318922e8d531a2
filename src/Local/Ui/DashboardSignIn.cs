using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace CausalEval.Dr.Local.Ui;

/// <summary>
/// Who may see the dashboard: a token entered once on the sign-in page (the API token signs in an operator, the reader token a
/// reader) starts a session whose id alone goes into an HttpOnly, SameSite=Strict cookie. Without a session every page is the
/// sign-in page, never data. Every POST must come from this origin and carry the session's CSRF token.
/// </summary>
public static class DashboardSignIn
{
    public const string Cookie = "dr-ui";

    private const string SessionItem = "dr-ui-session";

    public static DashboardSession Session(HttpContext http) => (DashboardSession)http.Items[SessionItem]!;

    /// <summary>The gate in front of every <c>/ui</c> path, and the sign-in and sign-out routes.</summary>
    public static void Map(WebApplication app, string operatorToken, string readerToken)
    {
        app.Use(async (http, next) =>
        {
            if (!http.Request.Path.StartsWithSegments("/ui"))
            {
                await next();
                return;
            }

            var headers = http.Response.Headers;
            headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; script-src 'self'; connect-src 'self'; img-src 'self' data:; " +
                "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "same-origin"; // no-referrer would make the browser send "Origin: null" with every form
            headers.CacheControl = "no-store";
            if (HttpMethods.IsPost(http.Request.Method) && !SameOrigin(http.Request))
            {
                await RefuseAsync(http, StatusCodes.Status403Forbidden, "this action came from another site");
                return;
            }

            if (http.Request.Path.StartsWithSegments("/ui/sign-in"))
            {
                await next();
                return;
            }

            var session = http.RequestServices.GetRequiredService<DashboardSessions>().Find(http.Request.Cookies[Cookie]);
            if (session is null)
            {
                if (HttpMethods.IsGet(http.Request.Method))
                {
                    http.Response.Redirect("/ui/sign-in");
                }
                else
                {
                    await RefuseAsync(http, StatusCodes.Status401Unauthorized, "sign in first");
                }

                return;
            }

            if (HttpMethods.IsPost(http.Request.Method))
            {
                var form = http.Request.HasFormContentType ? await http.Request.ReadFormAsync() : null;
                if (!Same(form?["csrf"].ToString(), session.Csrf))
                {
                    await RefuseAsync(http, StatusCodes.Status403Forbidden, "the form's CSRF token is missing or not this session's: reload the page");
                    return;
                }
            }

            http.Items[SessionItem] = session;
            await next();
        });

        app.MapGet("/ui/sign-in", () => SignInPage(null, StatusCodes.Status200OK));
        app.MapPost("/ui/sign-in", async (HttpContext http, DashboardSessions sessions) =>
        {
            var form = http.Request.HasFormContentType ? await http.Request.ReadFormAsync() : null;
            var token = form?["token"].ToString();
            var person = form?["name"].ToString().Trim() ?? "";
            DashboardRole? role = Same(token, operatorToken) ? DashboardRole.Operator : Same(token, readerToken) ? DashboardRole.Reader : null;
            if (role is null)
            {
                return SignInPage("That token is neither the API token nor the reader token.", StatusCodes.Status401Unauthorized);
            }

            if (person.Length is 0 or > 80 || person.Any(char.IsControl))
            {
                return SignInPage("Give your name (at most 80 characters): actions are recorded under it.", StatusCodes.Status400BadRequest);
            }

            var session = sessions.Start(person, role.Value);
            http.Response.Cookies.Append(Cookie, session.Id, new CookieOptions
            {
                HttpOnly = true, SameSite = SameSiteMode.Strict, Path = "/ui", MaxAge = DashboardSessions.Lifetime, IsEssential = true,
                Secure = http.Request.IsHttps,
            });
            return Results.Redirect("/ui/runs");
        });
        app.MapPost("/ui/sign-out", (HttpContext http, DashboardSessions sessions) =>
        {
            sessions.End(Session(http).Id);
            http.Response.Cookies.Delete(Cookie, new CookieOptions { Path = "/ui" });
            return Results.Redirect("/ui/sign-in");
        });
        app.MapGet("/ui", () => Results.Redirect("/ui/runs"));
    }

    private static IResult SignInPage(string? problem, int status) => Html.Result("Sign in", null, $"""
        <h1>Sign in</h1>
        {(problem is null ? "" : $"<p class=\"error\" role=\"alert\">{Html.E(problem)}</p>")}
        <form method="post" action="/ui/sign-in">
        <p><label>Your name <input name="name" autocomplete="name" required maxlength="80"></label></p>
        <p><label>Token <input name="token" type="password" autocomplete="off" required></label>
        <span class="muted">api-token (operator) or ui-reader-token (reader), in the state directory</span></p>
        <p><button>Sign in</button></p>
        </form>
        """, status);

    private static bool Same(string? given, string expected) =>
        given is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(expected));

    /// <summary>A browser names the page a form was sent from; one from elsewhere, or an opaque "null", is refused (a missing Origin is a
    /// non-browser client).</summary>
    private static bool SameOrigin(HttpRequest request) =>
        request.Headers.Origin.ToString() is not { Length: > 0 } origin
        || (Uri.TryCreate(origin, UriKind.Absolute, out var uri) && string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase));

    private static Task RefuseAsync(HttpContext http, int status, string why) =>
        Html.Result("Refused", null, $"<h1>Refused</h1><p class=\"error\">{Html.E(why)}</p>", status).ExecuteAsync(http);
}
